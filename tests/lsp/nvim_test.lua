-- nvim_test.lua - Neovim's own LSP client (0.7, vim.lsp.start_client)
-- against `sessionlint server` on a copy of the example app: the test reads
-- the diagnostics back through Neovim's API (code, line, message, the
-- witness path as related information), asks for the code actions on the
-- SL103 line, applies the fix as Neovim applies a workspace edit, and
-- checks the buffer's new text.  tests/lsp/run.py starts it:
--
--   SESSIONLINT=build/sessionlint SHOP=/tmp/copy-of-examples/shop \
--     nvim --headless --clean -n -u tests/lsp/nvim_test.lua
--
-- It prints "nvim_test: ok" and exits 0, or says what failed and exits 1.

local bin, shop = os.getenv("SESSIONLINT"), os.getenv("SHOP")

local function finish(ok, msg)
  io.stdout:write("nvim_test: " .. msg .. "\n")
  io.stdout:flush()
  vim.cmd(ok and "qall!" or "cquit! 1")
end

local function check(cond, msg)
  if not cond then
    finish(false, "FAIL " .. msg)
    error(msg) -- cquit does not return at once in every state
  end
end

local function main()
  vim.cmd("edit " .. vim.fn.fnameescape(shop .. "/items.py"))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({ name = "sessionlint", cmd = { bin, "server" }, root_dir = shop })
  check(id, "the client did not start")
  vim.lsp.buf_attach_client(buf, id)

  -- the diagnostics, as Neovim stores them
  check(vim.wait(30000, function() return #vim.diagnostic.get(buf) >= 2 end, 50),
    "no diagnostics within 30 s")
  local diags = vim.diagnostic.get(buf)
  table.sort(diags, function(a, b) return a.lnum < b.lnum end)
  local d = diags[1]
  check(d.code == "SL103", "code: " .. tostring(d.code))
  check(d.lnum == 46 and d.col == 9, ("position %d:%d"):format(d.lnum, d.col))
  check(d.source == "sessionlint", "source: " .. tostring(d.source))
  check(d.severity == vim.diagnostic.severity.WARN, "severity: " .. tostring(d.severity))
  check(d.message:find("not released if the call on line 54 raises", 1, true), "message: " .. d.message)
  check(diags[2].code == "SL401" and diags[2].lnum == 54, "the second: " .. tostring(diags[2].code))
  local lsp = d.user_data and d.user_data.lsp or {}
  check(lsp.codeDescription and lsp.codeDescription.href:find("#sl103%-release%-skipped"),
    "codeDescription")
  local related = lsp.relatedInformation or {}
  check(#related == 2, "related information: " .. #related)
  check(related[1].message == "session acquired here", "step 1: " .. tostring(related[1].message))
  check(related[2].location.range.start.line == 53, "step 2 is on line 54")

  -- the code actions on that line; the fix, applied as Neovim does
  vim.api.nvim_win_set_cursor(0, { 47, 10 })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf) }
  local answers = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 20000) or {}
  local actions = {}
  for _, a in pairs(answers) do
    for _, action in ipairs(a.result or {}) do
      table.insert(actions, action)
    end
  end
  local fix, titles = nil, {}
  for _, action in ipairs(actions) do
    table.insert(titles, action.title)
    if action.kind == "quickfix" and action.isPreferred then fix = action end
  end
  check(fix, "no preferred quick fix among: " .. table.concat(titles, " | "))
  check(vim.tbl_contains(titles, "Disable SL103 for this line"), "no noqa action")
  check(vim.tbl_contains(titles, "Show documentation for SL103 (release-skipped)"), "no rule action")
  local client = vim.lsp.get_client_by_id(id)
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
  local lines = vim.api.nvim_buf_get_lines(buf, 46, 56, false)
  check(lines[1] == "    with SessionLocal() as db:", "line 47 after the fix: " .. lines[1])
  check(lines[9] == "        db.commit()", "line 55 after the fix: " .. tostring(lines[9]))
  check(not vim.tbl_contains(lines, "    db.close()"), "the close() is gone")

  -- the server sees the edit: SL103 goes, SL401 stays
  check(vim.wait(30000, function()
    local now = vim.diagnostic.get(buf)
    return #now == 1 and now[1].code == "SL401"
  end, 50), "the diagnostics after the fix")
  vim.lsp.stop_client(id)
  finish(true, "ok")
end

local ok, err = pcall(main)
if not ok then finish(false, "FAIL " .. tostring(err)) end
