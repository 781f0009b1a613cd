#!/usr/bin/env python3
"""Print CPython's AST of Python files in sessionlint's canonical dump form.

usage: pyast_dump.py FILE...      (or --list LISTFILE: one path a line)

The oracle of the parser tests: tests/diff_stdlib.py, tests/parser_cases.py,
tests/robust.sh and tests/unit/check_const_canon.py run it with the machine's
CPython, tests/tools/py314.sh under CPython 3.14 (the .expect files of
tests/parser/).  Changing the form below changes every expectation at once.

`sessionlint debug ast FILE...` must print exactly the same bytes for every
file that this script parses. The form, per file:

    # <path as given>
    then one line per node, pre-order, two spaces of indent per depth:
    <label>: <Kind> @<lineno>:<col>-<end_lineno>:<end_col> <scalars>

- label: the field name, with [i] for list elements; the root line is just
  "Module". A `type_params` list prints only when it is not empty.
- @...: CPython's positions (columns are UTF-8 byte offsets); left out for
  nodes that have none (arguments, keyword-less helpers such as comprehension,
  withitem, match_case, type_ignore) and printed as @? for the Constant and
  FormattedValue parts directly inside a JoinedStr and for a format spec's
  JoinedStr, whose positions CPython versions disagree on.
- scalars, in the node's field order: name=value for identifiers (JSON
  string), ints (decimal), operators and contexts (ctx=Load, op=Add),
  constants (see canon), and None for an absent optional scalar.
- child nodes and lists follow on their own lines; an empty list prints as
  `<label>: []`, an absent optional child as `<label>: None`.
- a file CPython rejects prints `error: line <N>` after its header.

Constants: None, True, False, ..., int:<hex>, float:<float.hex() with the
mantissa's trailing zeros dropped>, complex:<imag as float>, str:<JSON with
ASCII escapes>, bytes:<hex>.
"""
import ast, json, sys

def canon(v):
    if v is None or v is True or v is False:
        return repr(v)
    if v is Ellipsis:
        return "..."
    if isinstance(v, int):
        return "int:" + hex(v)
    if isinstance(v, float):
        return "float:" + fhex(v)
    if isinstance(v, complex):
        return "complex:" + fhex(v.imag)
    if isinstance(v, str):
        return "str:" + json.dumps(v, ensure_ascii=True)
    if isinstance(v, bytes):
        return "bytes:" + v.hex()
    raise TypeError(type(v))

def fhex(f):
    h = f.hex()
    if "p" in h and "." in h:
        mant, exp = h.split("p")
        mant = mant.rstrip("0").rstrip(".")
        h = mant + "p" + exp
    return h

SIMPLE = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)

def pos(node, in_fstring):
    if not hasattr(node, "lineno"):
        return ""
    if in_fstring:
        return " @?"
    return f" @{node.lineno}:{node.col_offset}-{node.end_lineno}:{node.end_col_offset}"

def dump(node, label, depth, out, in_fstring=False):
    scal, kids = [], []
    for name in node._fields:
        v = getattr(node, name, None)
        if name == "type_params" and not v:
            continue  # printed only when present, so the dump reads the same on every CPython
        if isinstance(v, SIMPLE):
            scal.append(f"{name}={type(v).__name__}")
        elif isinstance(v, ast.AST):
            kids.append((name, v))
        elif isinstance(v, list):
            if v and all(isinstance(x, SIMPLE) for x in v):
                scal.append(f"{name}=[{','.join(type(x).__name__ for x in v)}]")
            elif v and all(isinstance(x, str) for x in v):
                scal.append(f"{name}=[{','.join(json.dumps(x) for x in v)}]")
            else:
                kids.append((name, v))
        elif name == "value" and isinstance(node, ast.Constant):
            scal.append(f"value={canon(v)}")
        elif isinstance(v, str):
            scal.append(f"{name}={json.dumps(v, ensure_ascii=True)}")
        elif isinstance(v, int) and not isinstance(v, bool):
            scal.append(f"{name}={v}")
        elif v is None:
            # an absent optional: a child node or a scalar; both print None
            kids.append((name, None)) if name in CHILD_FIELDS.get(type(node).__name__, ()) else scal.append(f"{name}=None")
        else:
            scal.append(f"{name}={v!r}")
    head = label if depth == 0 else f"{label}: {type(node).__name__}"
    line = "  " * depth + head + pos(node, in_fstring)
    if scal:
        line += " " + " ".join(scal)
    out.append(line)
    inner = isinstance(node, ast.JoinedStr)
    for name, v in kids:
        if v is None:
            out.append("  " * (depth + 1) + f"{name}: None")
        elif isinstance(v, list):
            if not v:
                out.append("  " * (depth + 1) + f"{name}: []")
            for i, x in enumerate(v):
                if x is None:  # e.g. Dict keys for **spread
                    out.append("  " * (depth + 1) + f"{name}[{i}]: None")
                else:
                    dump(x, f"{name}[{i}]", depth + 1, out, inner)
        else:
            spec = isinstance(node, ast.FormattedValue) and name == "format_spec"
            dump(v, name, depth + 1, out, (inner and name != "value") or spec)

# optional fields that hold nodes (so None prints as a child line, not a scalar)
CHILD_FIELDS = {
    "FunctionDef": ("returns",), "AsyncFunctionDef": ("returns",), "Return": ("value",),
    "AnnAssign": ("value",), "Raise": ("exc", "cause"), "Assert": ("msg",), "ExceptHandler": ("type",),
    "Yield": ("value",), "FormattedValue": ("format_spec",), "Slice": ("lower", "upper", "step"),
    "arguments": ("vararg", "kwarg"), "arg": ("annotation",), "withitem": ("optional_vars",),
    "match_case": ("guard",), "MatchAs": ("pattern",), "comprehension": (), "TypeVar": ("bound", "default_value"),
    "ParamSpec": ("default_value",), "TypeVarTuple": ("default_value",),
}

def main(paths):
    out = []
    for p in paths:
        out.append(f"# {p}")
        try:
            src = open(p, "rb").read()
            tree = ast.parse(src, p)
        except SyntaxError as e:
            out.append(f"error: line {e.lineno}")
            continue
        except (ValueError, UnicodeDecodeError) as e:  # NUL bytes, undecodable source
            out.append("error: line 1")
            continue
        dump(tree, "Module", 0, out)
    sys.stdout.write("\n".join(out) + "\n")

if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["--list"]:
        a = [l.rstrip("\n") for l in open(a[1]) if l.strip()]
    if not a:
        sys.exit(__doc__)
    sys.setrecursionlimit(100000)
    main(a)
