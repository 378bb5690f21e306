"""The WSGI servers the benchmarks serve the app with: one place that starts, checks and stops them."""
# Used by pages.py, sign.py, load.py and servers_compare.py; not run by itself.
# Each server is started in a process group of its own on a free port of 127.0.0.1, with the
# working tree (not whatever `app` the virtualenv has installed) first on its import path.

import argparse
import http.client
import importlib.metadata
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"  # never anything else: this must not load a machine we do not own
READY_PATH = "/healthz"


class HarnessError(RuntimeError):
    """The benchmark itself could not run; distinct from the app being slow."""


# name -> (PyPI package, default threads, most workers, most threads, what a thread is)
KINDS = {
    "gunicorn-sync": ("gunicorn", 1, None, 1, "thread"),
    "gunicorn-gthread": ("gunicorn", 4, None, None, "thread"),
    "granian": ("granian", 2, None, None, "blocking thread"),
    "waitress": ("waitress", 4, 1, None, "thread"),  # one process: waitress does not fork
    "uwsgi": ("pyuwsgi", 1, None, None, "thread"),
}
DEFAULT = "gunicorn-sync"


@dataclass(frozen=True)
class Server:
    """One server configuration: its kind, worker processes and threads per process."""

    kind: str
    workers: int = 2
    threads: int | None = None  # None: the kind's default

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown server {self.kind!r}: one of {', '.join(KINDS)}")
        _, default, most_workers, most_threads, _ = KINDS[self.kind]
        if self.threads is None:
            object.__setattr__(self, "threads", default)
        if min(self.workers, self.threads) < 1:
            raise ValueError("workers and threads must be >= 1")
        if most_workers and self.workers > most_workers:
            raise ValueError(f"{self.kind} runs {most_workers} process; --workers {most_workers}")
        if most_threads and self.threads > most_threads:
            # gunicorn would quietly switch a sync worker with threads to gthread
            raise ValueError(f"{self.kind} takes {most_threads} thread per worker; use gunicorn-gthread")

    @property
    def package(self):
        return KINDS[self.kind][0]

    @property
    def spec(self):
        """The short form the command line takes back: granian:2x2."""
        return f"{self.kind}:{self.workers}x{self.threads}"

    def label(self):
        """For reports: 'granian 2.8.9, 2 workers x 2 blocking threads'."""
        thread = KINDS[self.kind][4]
        threads = f" x {self.threads} {thread}{'s' if self.threads > 1 else ''}"
        workers = f"{self.workers} worker{'s' if self.workers > 1 else ''}"
        return f"{self.kind} {version(self.package)}, {workers}{threads}"

    def command(self, target, port, chdir):
        """The command line serving WSGI `target` (module:attribute) from folder `chdir`."""
        w, t = str(self.workers), str(self.threads)
        if self.kind.startswith("gunicorn"):
            worker_class = self.kind.split("-")[1]
            return [str(BIN / "gunicorn"), "--chdir", str(chdir), "--bind", f"{HOST}:{port}",
                    "--workers", w, "--worker-class", worker_class, "--threads", t,
                    "--log-level", "warning", target]
        if self.kind == "granian":
            # WSGI runs the app on the blocking threads (granian's default is backpressure / 2,
            # 256 here: far more than two cores can use). --backpressure stays at its default
            # (backlog / workers = 512): it caps the *connections* a worker holds, idle keep-alive
            # ones included, so a value near the thread count lets a few idle clients starve a
            # worker (see README, "Which WSGI server"). HTTP/1 only and no websockets: behind a
            # proxy, as in production.
            return [str(BIN / "granian"), "--interface", "wsgi", "--host", HOST, "--port", str(port),
                    "--workers", w, "--blocking-threads", t, "--runtime-threads", "1",
                    "--http", "1", "--no-ws", "--working-dir", str(chdir), "--log-level", "warning", target]
        if self.kind == "waitress":
            return [str(BIN / "waitress-serve"), f"--listen={HOST}:{port}", f"--threads={t}", target]
        # uWSGI: the workers speak HTTP themselves (--http-socket, as behind a proxy); the app
        # loaded in each worker after the fork, like gunicorn without --preload; TERM stops it.
        # Its http-socket closes every connection after one answer without saying so: the
        # header says it, as gunicorn's sync workers do, or a keep-alive client's next request
        # on that connection is reset.
        return [str(BIN / "uwsgi"), "--http-socket", f"{HOST}:{port}", "--master", "--processes", w,
                "--threads", t, "--lazy-apps", "--single-interpreter", "--die-on-term", "--need-app", "--disable-logging",
                "--add-header", "Connection: close", "--chdir", str(chdir), "--module", target]


def version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def parse_spec(spec):
    """'granian:2x4' -> Server('granian', 2, 4); 'waitress' -> its defaults; 'gunicorn-sync:4'."""
    kind, _, size = spec.strip().partition(":")
    workers, _, threads = size.partition("x")
    return Server(kind, int(workers) if workers else 2, int(threads) if threads else None)


def add_server_arguments(p):
    """--server, --workers and --threads, the same for every benchmark here."""
    p.add_argument("--server", choices=tuple(KINDS), default=DEFAULT,
                   help=f"WSGI server (default {DEFAULT}); see bench/README.md, 'Which WSGI server'")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads per worker (default: gunicorn-sync 1, gunicorn-gthread 4, granian 2 "
                        "blocking threads, waitress 4, uwsgi 1)")


def server_from_args(p, args):
    """The Server the parsed flags ask for, or a usage error."""
    try:
        return Server(args.server, args.workers, args.threads)
    except ValueError as exc:
        p.error(str(exc))


def spec_list(text):
    """argparse type for --servers a,b:2x4,c."""
    try:
        return [parse_spec(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- starting and stopping ------------------------------------------------------------------------

def free_port():
    """A port nobody listens on right now; the kernel picks it."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(env, chdir):
    """`env` with `chdir` first on the import path.

    The virtualenv has the main checkout installed in editable mode; a server that did not put
    its working folder on sys.path would import that `app` instead of this tree's."""
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(chdir), str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def start(server, target, chdir, env, port, log):
    """Launch in a new session (process group = its pid), so it can be stopped with its workers."""
    cmd = server.command(target, port, chdir)
    if not Path(cmd[0]).exists():
        raise HarnessError(f"{server.kind} is not installed: .venv/bin/pip install {server.package}")
    return subprocess.Popen(cmd, cwd=chdir, env=server_env(env, chdir),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc):
    """TERM lets the server stop its workers; KILL for whatever is left of its group after that."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    for _ in range(50):  # workers a crashed or stopped master left behind
        if not group_members(proc.pid):
            break
        time.sleep(0.1)
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        proc.wait(timeout=5)


def get(port, path, timeout=5.0):
    """One request on a fresh connection: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_ready(proc, port, path=READY_PATH, timeout=60.0):
    """Poll `path` until it answers 200, failing early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError(f"the server exited with code {proc.returncode} before it was ready")
        try:
            if get(port, path, timeout=1.0)[0] == 200:
                return
        except (OSError, http.client.HTTPException):
            pass  # not listening yet, or a worker still booting
        time.sleep(0.1)
    raise HarnessError(f"the server was not ready after {timeout:.0f} s")


def idle_connections_check(port, count, timeout=3.0):
    """Open `count` keep-alive connections, one request each, and leave them idle: a request on a
    further connection must still be answered. Returns the milliseconds it took, or None if it was not.

    A server that ties a worker (or a slot of its) to each open connection fails this once idle
    clients outnumber the slots; wrk, whose connections are never idle, would not show it."""
    idle = []
    try:
        for _ in range(count):
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            conn.request("GET", READY_PATH)
            conn.getresponse().read()
            idle.append(conn)
        start = time.monotonic()
        status, _ = get(port, READY_PATH, timeout=timeout)
        return (time.monotonic() - start) * 1000 if status == 200 else None
    except (OSError, http.client.HTTPException):
        return None
    finally:
        for conn in idle:
            conn.close()


def print_log(path):
    """The end of the server's log, where the app's traceback is when a page fails."""
    print(f"--- server log (tail) ---\n{Path(path).read_text()[-2000:]}", file=sys.stderr)


@contextmanager
def serving(server, target, chdir, env, workdir, name="app"):
    """A running, ready server: (process, port, log path); stopped whatever happens."""
    port, log_path = free_port(), Path(workdir) / f"{name}-{server.kind}.log"
    with open(log_path, "w") as log:
        proc = start(server, target, chdir, env, port, log)
        try:
            wait_ready(proc, port)
            yield proc, port, log_path
        except BaseException:
            print_log(log_path)
            raise
        finally:
            stop(proc)


# --- the mail worker ---------------------------------------------------------------------------------

class Discard:
    """An SMTP server's handler that takes every message and keeps none."""

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


@contextmanager
def mail_worker(env, workdir):
    """`flask outbox work --loop` beside the server, as production runs it, sending to a local SMTP
    sink: it writes the confirmation mails (which carry the links the load mix follows) and sends
    them. It runs on the same cores as the server, so its work counts against the figures."""
    from aiosmtpd.controller import Controller

    sink = Controller(Discard(), hostname="127.0.0.1", port=free_port())
    sink.start()
    worker_env = dict(env, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port), MAIL_DEFAULT_SENDER="bench@localhost")
    cmd = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi.py", "outbox", "work", "--loop", "--idle", "0.2"]
    log_path = Path(workdir) / "outbox-worker.log"
    try:
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(worker_env, ROOT), stdout=log, stderr=log,
                                    start_new_session=True)
            try:
                yield proc
            finally:
                stop(proc)
    finally:
        sink.stop()


# --- memory -----------------------------------------------------------------------------------------

def group_members(pgid):
    """Pids of the live processes in process group `pgid`."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def memory(pgid):
    """RSS and PSS of the server's processes, summed, in MiB; its process and thread counts.

    RSS counts pages shared between processes once per process; PSS shares them out, so the
    PSS sum is what the server as a whole holds."""
    rss = pss = threads = 0
    members = group_members(pgid)
    for pid in members:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss += int(fields["VmRSS"].split()[0])
        threads += int(fields["Threads"])
        pss += next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return {"rss_mib": round(rss / 1024, 1), "pss_mib": round(pss / 1024, 1),
            "processes": len(members), "threads": threads}
