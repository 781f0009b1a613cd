"""pgserver.py - a throw-away PostgreSQL server for the proofs.

start() runs initdb and `pg_ctl start` in a new temporary folder, listening
only on a Unix socket in that folder (no TCP port, so it cannot collide with
another server on the machine); stop() stops it and removes the folder.  As
root, the server runs as an unprivileged user (PostgreSQL refuses root): the
folder is given to that user.  Every folder holds the runner's pid, so that
a later run can remove what a killed run (SIGKILL, a lost machine) left.
"""
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time

PREFIX = "sl-proof-"
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes, with "/.s.PGSQL.5432"


def bindir():
    """The folder with initdb and pg_ctl (PostgreSQL 15 preferred; the
    environment's SL_PROOF_PG_BINDIR names another), or None."""
    if os.environ.get("SL_PROOF_PG_BINDIR"):  # another installation (or none)
        candidates = [os.environ["SL_PROOF_PG_BINDIR"]]
    else:
        candidates = ["/usr/lib/postgresql/15/bin"]
        candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                 text=True, timeout=10)
            candidates.append(out.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    for d in candidates:
        if d and os.access(os.path.join(d, "initdb"), os.X_OK) and \
                os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    return None


def _server_user():
    """(uid, gid) the server runs as: ourselves, or `nobody` as root."""
    if os.geteuid() != 0:
        return None
    for name in ("nobody", "daemon"):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user (nobody) to run PostgreSQL")


def _run(cmd, user, **kw):
    """Runs cmd (as user, if given) in its own session; output in the result."""
    extra = {}
    if user is not None:
        extra = {"user": user[0], "group": user[1], "extra_groups": []}
    env = dict(os.environ, LC_ALL="C", LANG="C")
    env.pop("PGDATA", None)
    return subprocess.run(cmd, capture_output=True, text=True, env=env,
                          start_new_session=True, **extra, **kw)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Server:
    """A running server: its folder, socket folder and port (for libpq)."""

    def __init__(self, bindir_):
        self.bindir = bindir_
        self.user = _server_user()
        base = tempfile.gettempdir()
        if len(base) > MAX_SOCKET_PATH - 30:
            base = "/tmp"
        self.dir = tempfile.mkdtemp(prefix=PREFIX, dir=base)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.host = self.dir  # the Unix socket's folder
        self.port = 5432      # names the socket file only: no TCP listener
        self.started = False
        with open(os.path.join(self.dir, "runner.pid"), "w") as f:
            f.write(str(os.getpid()))
        if self.user is not None:
            os.chown(self.dir, *self.user)
        os.chmod(self.dir, 0o755)

    def start(self):
        """initdb + pg_ctl start -w; raises RuntimeError with the log on failure."""
        t = os.path.join(self.bindir, "initdb")
        r = _run([t, "-D", self.data, "-U", "postgres", "--auth=trust",
                  "--no-locale", "-E", "UTF8", "--no-sync"], self.user,
                 cwd=self.dir, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("initdb failed:\n" + r.stdout + r.stderr)
        opts = ("-c listen_addresses='' -c unix_socket_directories='%s' "
                "-c port=%d -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=60 "
                "-c log_min_messages=warning" % (self.host, self.port))
        self.started = True  # from here on stop() has something to stop
        r = _run([os.path.join(self.bindir, "pg_ctl"), "start", "-w", "-t", "60",
                  "-D", self.data, "-l", self.log, "-o", opts], self.user,
                 cwd=self.dir, timeout=90)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start failed:\n" + r.stdout + r.stderr +
                               self.read_log())

    def read_log(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def version(self):
        r = _run([os.path.join(self.bindir, "postgres"), "--version"], None, timeout=30)
        m = re.search(r"\d+\.\d+", r.stdout)
        return m.group(0) if r.returncode == 0 and m else "?"

    def stop(self):
        """Stops the server (whatever state it is in) and removes the folder."""
        if self.started:
            _stop_data(self.bindir, self.data, self.user)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self):
        """libpq's variables for a client of this server."""
        return {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": "postgres",
                "PGDATABASE": "postgres"}


def _stop_data(bindir_, data, user):
    """pg_ctl stop -m immediate; the postmaster is killed if that fails."""
    pidfile = os.path.join(data, "postmaster.pid")
    try:
        _run([os.path.join(bindir_, "pg_ctl"), "stop", "-w", "-t", "30", "-m",
              "immediate", "-D", data], user, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        pass
    try:
        with open(pidfile) as f:
            pid = int(f.readline())
    except (OSError, ValueError):
        return
    # still there: the postmaster we started, by its own pid file
    if _alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.1)


def remove_stale(bindir_):
    """Stops and removes what earlier runs that died left: folders of ours
    whose runner is no longer alive.  Returns how many were removed."""
    n = 0
    found = glob.glob(os.path.join(tempfile.gettempdir(), PREFIX + "*"))
    for d in set(found + glob.glob("/tmp/" + PREFIX + "*")):
        try:
            with open(os.path.join(d, "runner.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        data = os.path.join(d, "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            _stop_data(bindir_, data, _server_user())
        shutil.rmtree(d, ignore_errors=True)
        n += 1
    return n
