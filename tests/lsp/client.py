"""A small Language Server Protocol client for the tests (tests/lsp/run.py)
and the latency benchmark (bench/lsp_bench.py): it starts `sessionlint
server`, frames JSON-RPC messages with Content-Length, and collects what the
server sends on a thread, so a test can wait for one message with a timeout.
"""
import json
import os
import queue
import subprocess
import threading
import time
import urllib.parse


def uri(path):
    """The file: URI of a path, made absolute."""
    return "file://" + urllib.parse.quote(os.path.abspath(path))


class Client:
    stderr_sink = None  # a list: every client's server standard error goes there too

    def __init__(self, binary, cwd=None, args=(), env=None):
        self.proc = subprocess.Popen([binary, "server", *args] if not binary.endswith(".sh") else [binary, "server", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=cwd, env=env)
        self.inbox = queue.Queue()
        self.next_id = 0
        self.diagnostics = {}   # uri -> the last publishDiagnostics params
        self.log = []           # every message the server sent, in order
        self.stderr = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # ---- the wire ----

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = out.read(length)
            msg = json.loads(body)
            msg["_at"] = time.monotonic()
            self.log.append(msg)
            if msg.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics[msg["params"]["uri"]] = msg["params"]
            self.inbox.put(msg)

    def _drain_stderr(self):
        for line in self.proc.stderr:
            text = line.decode(errors="replace")
            self.stderr.append(text)
            if Client.stderr_sink is not None:
                Client.stderr_sink.append(text)

    # ---- messages ----

    def request(self, method, params=None, msg_id=None):
        if msg_id is None:
            self.next_id += 1
            msg_id = self.next_id
        msg = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return msg_id

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def wait(self, pred, timeout=20.0):
        """The first message (from now) for which pred is true; None on timeout
        or when the server's output ended.  Other messages are dropped."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                msg = self.inbox.get(timeout=left)
            except queue.Empty:
                return None
            if msg is None:
                self.inbox.put(None)
                return None
            if pred(msg):
                return msg

    def seen(self, pred):
        """The messages so far for which pred is true (waited for or not)."""
        return [m for m in list(self.log) if pred(m)]

    def response(self, msg_id, timeout=20.0):
        return self.wait(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    def call(self, method, params=None, timeout=20.0):
        return self.response(self.request(method, params), timeout)

    def published(self, doc_uri, timeout=20.0, pred=None):
        """The latest publishDiagnostics for doc_uri if pred(params) holds for
        it, else the next one for which it does (pred None: the next one)."""
        last = self.diagnostics.get(doc_uri)
        if pred is not None and last is not None and pred(last):
            return last

        def match(m):
            return (m.get("method") == "textDocument/publishDiagnostics" and
                    m["params"]["uri"] == doc_uri and (pred is None or pred(m["params"])))
        m = self.wait(match, timeout)
        return m["params"] if m else None

    def initialize(self, root, capabilities=None, options=None):
        params = {"processId": os.getpid(), "rootUri": uri(root),
                  "capabilities": capabilities or {}}
        if options is not None:
            params["initializationOptions"] = options
        r = self.call("initialize", params)
        self.notify("initialized", {})
        return r

    def open(self, path, text=None, version=1):
        if text is None:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(path), "languageId": "python", "version": version, "text": text}})
        return uri(path)

    def close(self, timeout=10):
        """shutdown, exit; the server's exit status."""
        try:
            self.call("shutdown", timeout=timeout)
            self.notify("exit")
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
