"""Serves the dashboard notebook as a live page (scripts/notebooks.sh serve runs it).

    python serve_dashboard.py NOTEBOOK --state DIR [--ip 127.0.0.1] [--port 8501]
        [--refresh 5s] [--top-users 10] [--top-items 10] [--raw on|off]
        [--start-attempts 5] [--startup-timeout 20s] [--round-timeout 60s] [--allow-remote]

One long-lived Java kernel (rapaio-jupyter-kernel) runs the notebook's setup cells once, then
re-runs its view cells every refresh interval and exports the notebook (code hidden) to
DIR/files/dashboard.html, with DIR/files/status.json beside it. Jupyter Server serves those and
the page's static shell (DIR/static/dashboard/), read-only (serve_auth.ReadOnlyAuthorizer): every
viewer gets the same export, so viewers cost a file read each, not a kernel each. The shell's
script applies each viewer's controls (refresh, top-N users and items, raw tables; the same as
URL parameters) to the export; the kernel computes the top 100 so that any N can be shown.

Cells: those tagged `setup` run once after each kernel start; those tagged `live` or
`teardown` never run here; every other code cell runs each round. The page shows the markdown
and outputs of the untagged cells.

The page is never blank: before the first export it says what is starting; a kernel whose
round does not finish within --round-timeout, or that dies, is shut down and started again
(the start waits for rapaio's start-up race, see run_notebook.py); a kernel that cannot start
is retried every 30 s and said on the page; MongoDB errors are the notebook's own sentences.
A kernel left behind by an earlier serve that was killed (pid file in DIR) is ended at start;
the kernel is also started with the parent-death signal, so it ends with this process.

Exit status: 0 stopped by Ctrl-C or SIGTERM; 1 failed; 2 bad usage; 3 Jupyter Server did not
answer; 4 the port is taken; 130/143 a second Ctrl-C/SIGTERM.
"""

import argparse
import ctypes
import datetime
import fcntl
import html
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_notebook  # noqa: E402
from run_notebook import parse_duration, start_kernel  # noqa: E402

run_notebook.PREFIX = "serve"

HERE = Path(__file__).resolve().parent
RANKED = 100  # the kernel ranks this many users and items; each page shows its own N
RETRY_START_SECONDS = 30


def log(msg):
    print(f"[serve] {msg}", file=sys.stderr, flush=True)


class Stop(BaseException):
    """Ctrl-C or SIGTERM: stop serving (a BaseException, so no `except Exception` keeps it)."""


STOPPING = {"signals": 0}


def check_stop():
    """Raises Stop when a signal came in (its handler's raise can be lost in a callback)."""
    if STOPPING["signals"]:
        raise Stop()


def now_ms():
    return int(time.time() * 1000)


def stamp(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC")


def write_atomic(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def set_parent_death_signal():
    """In the child, before exec: SIGTERM when the serving process dies (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def is_loopback(ip):
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def port_free(ip, port):
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
            return True
        except OSError:
            return False


def reap(pidfile, marker):
    """Ends a process an earlier serve left behind (its pid file), if it is still ours."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        pidfile.unlink(missing_ok=True)
        return
    if marker not in cmdline:
        pidfile.unlink(missing_ok=True)
        return
    log(f"ending a process left behind by an earlier serve (pid {pid})")
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            time.sleep(0.1)
            if not Path(f"/proc/{pid}").exists():
                break
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pidfile.unlink(missing_ok=True)


class Page:
    """The exported page and status.json in DIR/files, and the shell in DIR/static."""

    def __init__(self, state, args):
        self.files = state / "files"
        self.static = state / "static" / "dashboard"
        self.files.mkdir(parents=True, exist_ok=True)
        self.static.mkdir(parents=True, exist_ok=True)
        self.version = 0
        self.interval = args.refresh
        self.started = now_ms()
        self.kernel_starts = 0
        self.refreshed_at = None
        self.round_ms = None
        shell = (HERE / "serve" / "index.html").read_text(encoding="utf-8")
        for key, value in {"@REFRESH@": str(round(args.refresh)),
                           "@USERS@": str(args.top_users), "@ITEMS@": str(args.top_items),
                           "@RAW@": "true" if args.raw else "false",
                           "@FILES@": "/files/"}.items():
            shell = shell.replace(key, html.escape(value, quote=True))
        write_atomic(self.static / "index.html", shell)
        for name in ("dashboard.js", "dashboard.css"):
            shutil.copyfile(HERE / "serve" / name, self.static / name)
        self.exporter = HTMLExporter(template_name="basic", exclude_input=True,
                                     exclude_input_prompt=True, exclude_output_prompt=True,
                                     exclude_anchor_links=True)

    def status(self, state, message="", **extra):
        doc = {"state": state, "message": message, "version": self.version,
               "intervalS": self.interval, "startedAtMs": self.started,
               "kernelStarts": self.kernel_starts, "refreshedAtMs": self.refreshed_at,
               "roundMs": self.round_ms}
        doc.update(extra)
        write_atomic(self.files / "status.json", json.dumps(doc))

    def message(self, text):
        """A page without numbers yet: one sentence (until the first export has numbers)."""
        if self.refreshed_at is None:
            self.write(f'<p class="dash-message">{html.escape(text)}</p>', None)

    def write(self, body, refreshed_at):
        self.version += 1
        attrs = f'data-version="{self.version}"'
        if refreshed_at:
            attrs += f' data-refreshed-at="{refreshed_at}"'
        write_atomic(self.files / "dashboard.html",
                     "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                     "<title>dashboard export</title></head><body>"
                     f'<main id="dashboard" {attrs}>{body}</main></body></html>\n')

    def export(self, nb, refreshed_at):
        shown = nbformat.from_dict(nb)
        shown.cells = [c for c in nb.cells if not hidden(c)]
        body, _ = self.exporter.from_notebook_node(shown)
        # The basic template is a fragment of cells; the shell provides the page around it.
        self.write(body, refreshed_at)


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def hidden(cell):
    return bool(tags(cell) & {"setup", "live", "teardown"})


def round_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and not hidden(c)]


def setup_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and "setup" in tags(c)]


def error_of(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', '')}: {out.get('evalue', '')}".strip()
    return None


class Kernel:
    """One rapaio kernel running the notebook's cells, restarted when it stops answering."""

    def __init__(self, nb, args, state):
        self.nb = nb
        self.args = args
        self.state = state
        self.client = None
        self.log_path = state / "kernel.log"
        self.pidfile = state / "kernel.pid"

    def start(self):
        self.stop()
        cwd = str(Path(self.args.notebook).resolve().parent)
        self.client = NotebookClient(self.nb, timeout=int(self.args.round_timeout) + 1,
                                     startup_timeout=int(self.args.startup_timeout),
                                     kernel_name="", allow_errors=True,
                                     resources={"metadata": {"path": cwd}})
        self.client.reset_execution_trackers()
        kernel_log = open(self.log_path, "a", encoding="utf-8")
        ok = start_kernel(self.client, self.args.start_attempts, cwd, kernel_log,
                          preexec_fn=set_parent_death_signal)
        if not ok:
            self.client = None
            return False
        pid = getattr(self.client.km.provisioner, "pid", None)
        if pid:
            self.pidfile.write_text(f"{pid}\n")
        return True

    def run(self, cells, deadline_s):
        """Runs the cells; returns the first cell error, or None. Raises on a hung kernel."""
        deadline = time.monotonic() + deadline_s
        for index, cell in cells:
            check_stop()
            left = deadline - time.monotonic()
            if left <= 0:
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "round timed out", deadline_s, cell)
            self.client.timeout = max(1, int(left) + 1)
            self.client.execute_cell(cell, index)
        return None

    def alive(self):
        return self.client is not None and run_sync(self.client.km.is_alive)()

    def stop(self):
        if self.client is not None and self.client.km is not None:
            try:
                run_sync(self.client.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - it is being thrown away
                pass
        self.client = None
        self.pidfile.unlink(missing_ok=True)


def start_server(args, state, page):
    """Jupyter Server on ip:port serving DIR/files and the static shell, read-only."""
    venv_bin = Path(sys.executable).parent
    cmd = [str(venv_bin / "jupyter"), "server", "--no-browser", f"--ip={args.ip}",
           f"--port={args.port}", "--ServerApp.port_retries=0",
           f"--ServerApp.root_dir={page.files}",
           f"--ServerApp.extra_static_paths={json.dumps([str(page.static.parent)])}",
           "--ServerApp.default_url=/static/dashboard/index.html",
           "--ServerApp.authorizer_class=serve_auth.ReadOnlyAuthorizer",
           "--ServerApp.terminals_enabled=False",
           # Only the server: JupyterLab's and Notebook's extensions serve nothing here.
           *[f"--ServerApp.jpserver_extensions={name}=False" for name in (
               "jupyterlab", "notebook", "jupyter_lsp", "jupyter_server_terminals",
               "notebook_shim")],
           "--ServerApp.log_level=WARN"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    if is_loopback(args.ip):
        # Loopback only, and read-only: no token, so the documented URL works as it is.
        cmd += ["--IdentityProvider.token=", "--PasswordIdentityProvider.hashed_password="]
        env.pop("JUPYTER_TOKEN", None)
    else:
        cmd.append("--ServerApp.allow_remote_access=True")
        if os.environ.get("DASHBOARD_PASSWORD"):
            from jupyter_server.auth import passwd
            cmd += [f"--PasswordIdentityProvider.hashed_password="
                    f"{passwd(os.environ['DASHBOARD_PASSWORD'])}",
                    "--IdentityProvider.token="]
            env.pop("JUPYTER_TOKEN", None)
    server_log = open(state / "server.log", "a", encoding="utf-8")
    proc = subprocess.Popen(cmd, env=env, stdout=server_log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, preexec_fn=set_parent_death_signal)
    (state / "server.pid").write_text(f"{proc.pid}\n")
    return proc


def wait_for_server(proc, args, timeout):
    host = f"[{args.ip}]" if ":" in args.ip else args.ip
    if args.ip in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    url = f"http://{host}:{args.port}/static/dashboard/index.html"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def serve(args):
    state = Path(args.state)
    state.mkdir(parents=True, exist_ok=True)
    # One serve per state folder (per port): the lock is held while this process lives, so
    # pid files found while holding it were left by a serve that is gone.
    lock = open(state / "serve.lock", "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.seek(0)
        other = lock.read().strip() or "?"
        log(f"a dashboard is already served on port {args.port} (pid {other}); stop it first "
            f"or choose another --port")
        return 4
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    reap(state / "kernel.pid", "rapaio-jupyter-kernel")
    reap(state / "server.pid", "jupyter")
    if not port_free(args.ip, args.port):
        log(f"port {args.port} on {args.ip} is taken by another process (--port or "
            f"DASHBOARD_PORT chooses another)")
        return 4
    nb = nbformat.read(args.notebook, as_version=4)
    page = Page(state, args)
    page.message("Starting the Java kernel (rapaio-jupyter-kernel); the first numbers follow "
                 "in a few seconds.")
    page.status("starting", "Starting the Java kernel.")
    server = start_server(args, state, page)
    kernel = Kernel(nb, args, state)
    try:
        if not wait_for_server(server, args, 60):
            log(f"Jupyter Server did not answer on {args.ip}:{args.port} within 60s "
                f"(log: {state / 'server.log'})")
            return 3
        shown_host = "127.0.0.1" if args.ip in ("0.0.0.0", "::") else args.ip
        log(f"dashboard on http://{shown_host}:{args.port}/ (page: /static/dashboard/"
            f"index.html), refreshed every {fmt(args.refresh)}; Ctrl-C stops it")
        if not is_loopback(args.ip):
            how = ("the password in DASHBOARD_PASSWORD" if os.environ.get("DASHBOARD_PASSWORD")
                   else "the token in JUPYTER_TOKEN (add ?token=... to the URL)")
            log(f"listening on {args.ip}, not only loopback: viewers need {how}; it is not "
                f"printed")
        loop(kernel, nb, page, args, server)
    except Stop:
        log("stopping")
    finally:
        kernel.stop()
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        (state / "server.pid").unlink(missing_ok=True)
    return 0


def fmt(seconds):
    return f"{seconds:g}s" if seconds >= 1 else f"{seconds * 1000:g}ms"


def loop(kernel, nb, page, args, server):
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"Jupyter Server exited ({server.returncode}); see server.log")
        page.kernel_starts += 1
        page.status("starting" if page.version <= 1 else "restarting",
                    "Starting the Java kernel" + (f" (start {page.kernel_starts})"
                                                  if page.kernel_starts > 1 else "") + ".")
        started = time.monotonic()
        check_stop()
        if not kernel.start():
            text = (f"The Java kernel did not start after {args.start_attempts} attempts "
                    f"(log: {kernel.log_path}); trying again in {RETRY_START_SECONDS} s.")
            log(text)
            page.message(text)
            page.status("failed", text)
            pause(RETRY_START_SECONDS)
            continue
        log(f"kernel ready in {time.monotonic() - started:.1f} s")
        try:
            kernel.run(setup_cells(nb), args.round_timeout)
            problem = next((error_of(c) for _, c in setup_cells(nb) if error_of(c)), None)
            if problem:
                text = f"A setup cell of the notebook failed: {problem}"
                log(text)
                page.message(text)
                page.status("failed", text + f" Trying again in {RETRY_START_SECONDS} s.")
                kernel.stop()
                pause(RETRY_START_SECONDS)
                continue
            rounds(kernel, nb, page, args)
        except (CellTimeoutError, DeadKernelError, RuntimeError, OSError) as e:
            what = ("did not finish a round within " + fmt(args.round_timeout)
                    if isinstance(e, CellTimeoutError) else "stopped answering")
            text = f"The Java kernel {what}: restarting it; the numbers shown are older."
            log(f"{text} ({type(e).__name__})")
            page.status("restarting", text)
            kernel.stop()


def rounds(kernel, nb, page, args):
    cells = round_cells(nb)
    while True:
        began = time.monotonic()
        taken = now_ms()
        kernel.run(cells, args.round_timeout)
        if not kernel.alive():
            raise DeadKernelError("kernel died")
        ran = time.monotonic()
        page.export(nb, taken)
        done = time.monotonic()
        page.refreshed_at = now_ms()
        page.round_ms = int((done - began) * 1000)
        late = done - began > args.refresh
        page.status("ok", (f"The last refresh took {done - began:.1f} s, longer than the "
                           f"{fmt(args.refresh)} interval." if late else ""),
                    kernelMs=int((ran - began) * 1000), exportMs=int((done - ran) * 1000))
        pause(max(0.0, args.refresh - (time.monotonic() - began)))


def pause(seconds):
    deadline = time.monotonic() + seconds
    while True:
        check_stop()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.2))


def main():
    p = argparse.ArgumentParser(description="Serve the dashboard notebook as a live page.")
    p.add_argument("notebook", type=Path)
    p.add_argument("--state", required=True, help="folder for the export, logs and pid files")
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--refresh", default="5s", help="2s-30s (default 5s)")
    p.add_argument("--top-users", type=int, default=10)
    p.add_argument("--top-items", type=int, default=10)
    p.add_argument("--raw", default="on", help="on or off: raw tables shown by default")
    p.add_argument("--start-attempts", type=int, default=5)
    p.add_argument("--startup-timeout", default="20s")
    p.add_argument("--round-timeout", default="60s")
    p.add_argument("--allow-remote", action="store_true",
                   help="needed for an --ip that is not loopback")
    args = p.parse_args()

    def usage(msg):
        log(msg)
        return 2

    try:
        args.refresh = parse_duration(args.refresh, "--refresh")
        args.startup_timeout = parse_duration(args.startup_timeout, "--startup-timeout")
        args.round_timeout = parse_duration(args.round_timeout, "--round-timeout")
    except ValueError as e:
        return usage(str(e))
    if not 2 <= args.refresh <= 30:
        return usage(f"--refresh must be between 2s and 30s (got {fmt(args.refresh)})")
    for name in ("top_users", "top_items"):
        if not 1 <= getattr(args, name) <= RANKED:
            return usage(f"--{name.replace('_', '-')} must be between 1 and {RANKED} "
                         f"(got {getattr(args, name)})")
    if args.raw.lower() not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
        return usage(f"--raw must be on or off (got {args.raw})")
    args.raw = args.raw.lower() in ("on", "true", "1", "yes")
    if not 1 <= args.port <= 65535:
        return usage(f"--port must be 1-65535 (got {args.port})")
    if args.start_attempts < 1:
        return usage("--start-attempts must be at least 1")
    if not args.notebook.is_file():
        return usage(f"no such notebook: {args.notebook}")
    if not is_loopback(args.ip):
        if not args.allow_remote:
            return usage(f"--ip {args.ip} is not loopback: add --allow-remote, and set "
                         f"JUPYTER_TOKEN or DASHBOARD_PASSWORD")
        if not (os.environ.get("JUPYTER_TOKEN") or os.environ.get("DASHBOARD_PASSWORD")):
            return usage(f"--ip {args.ip} needs JUPYTER_TOKEN or DASHBOARD_PASSWORD: viewers "
                         f"then give the token or the password")

    # The kernel ranks the top 100 for every page; each page shows its own N.
    os.environ["DASHBOARD_TOP_USERS"] = str(RANKED)
    os.environ["DASHBOARD_TOP_ITEMS"] = str(RANKED)
    os.environ["DASHBOARD_SHOW_RAW"] = "true"
    os.environ["DASHBOARD_LIVE_ROUNDS"] = "0"
    os.environ["DASHBOARD_REFRESH_SECONDS"] = str(round(args.refresh))

    def on_signal(signum, _frame):
        STOPPING["signals"] += 1
        if STOPPING["signals"] > 1:
            log("second signal: exiting now")
            os._exit(128 + signum)
        raise Stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return serve(args)
    except Stop:
        return 0
    except RuntimeError as e:
        log(str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
