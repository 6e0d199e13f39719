"""Executes a notebook headless and writes it as HTML (scripts/notebooks.sh render uses it).

    python run_notebook.py NOTEBOOK --output REPORT.html [--executed OUT.ipynb]
        [--kernel NAME] [--start-attempts 5] [--startup-timeout 20s] [--cell-timeout 5m]
        [--show-input]

Durations take a unit (500ms, 20s, 5m); a bare number is read as seconds, with a one-line
deprecation note.

The kernel START is retried: rapaio-jupyter-kernel 3.0.1 sometimes dies while starting
(NullPointerException ... "this.handlers" is null, then "Kernel didn't respond in 60 seconds").
Each attempt starts a fresh kernel, sends nothing until the kernel listens on its shell port
(an early message kills rapaio's shell thread), then waits until it answers kernel_info and its
heartbeat is alive; a kernel that does not is shut down and another one started. A good start
takes 2-5 s here; about one start in five still never answers, hence short attempts. A cell is
never retried: the first cell that fails stops the run.

Parameters reach the notebook through environment variables, which its `parameters` cell reads.

Exit status: 0 every cell ran; 1 a cell failed (the HTML is still written, with the error);
2 bad usage; 3 the kernel did not start after every attempt.
"""

import argparse
import os
import socket
import sys
import time
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter


PREFIX = "render"  # serve_dashboard.py sets "serve"


def log(msg):
    print(f"[{PREFIX}] {msg}", file=sys.stderr, flush=True)


SETTLE_SECONDS = 1.0
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text, name):
    """Seconds from '500ms', '20s', '5m', '1h'; a bare number is seconds (deprecated)."""
    t = str(text).strip().lower()
    for unit in sorted(UNITS, key=len, reverse=True):
        if t.endswith(unit):
            number = t[: -len(unit)].strip()
            try:
                value = float(number) * UNITS[unit]
            except ValueError:
                break
            if value <= 0:
                raise ValueError(f"{name} must be more than 0 (got {text})")
            return value
    else:
        try:
            value = float(t)
        except ValueError:
            value = None
        if value is not None and value > 0:
            log(f"note: {name} {text} has no unit; read as {text}s (bare numbers are "
                f"deprecated: write {text}s)")
            return value
    raise ValueError(f"{name} must be a duration such as 500ms, 20s or 5m (got {text})")


def wait_for_shell_port(client, timeout):
    """Waits until the kernel process listens on its shell port (or fails)."""
    info = client.km.get_connection_info()
    host = info.get("ip") or "127.0.0.1"
    port = info["shell_port"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not run_sync(client.km.is_alive)():
            raise RuntimeError("kernel process exited during start")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"kernel did not listen on its shell port within {timeout} s")


def start_kernel(client, attempts, cwd, kernel_log, **launch):
    """Starts the kernel, retrying the start itself; returns True once it answers.

    `launch` goes to the kernel's Popen (e.g. preexec_fn)."""
    for attempt in range(1, attempts + 1):
        client.create_kernel_manager()
        started = time.monotonic()
        try:
            client.start_new_kernel(cwd=cwd, stdout=kernel_log, stderr=kernel_log, **launch)
            # No shell message before the kernel listens: one that is queued when the shell
            # socket binds reaches rapaio before its handlers exist and kills its shell thread.
            wait_for_shell_port(client, client.startup_timeout)
            time.sleep(SETTLE_SECONDS)
            # Waits for kernel_info replies (up to startup_timeout), then checks the heartbeat.
            client.start_new_kernel_client()
            if not run_sync(client.kc.is_alive)():
                raise RuntimeError("kernel heartbeat not alive after start")
            log(f"kernel {client.kernel_name} ready in {time.monotonic() - started:.1f} s"
                f" (attempt {attempt} of {attempts})")
            return True
        except Exception as e:  # noqa: BLE001 - any start failure is retried the same way
            log(f"kernel start failed (attempt {attempt} of {attempts}): "
                f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            try:
                if client.km is not None:
                    client._cleanup_kernel()
            except Exception as cleanup_error:  # noqa: BLE001
                log(f"cleanup after the failed start: {cleanup_error}")
            client.km = None
            client.kc = None
            if attempt < attempts:
                time.sleep(2)
    return False


def main():
    p = argparse.ArgumentParser(description="Execute a notebook headless and write HTML.")
    p.add_argument("notebook", type=Path)
    p.add_argument("--output", type=Path, required=True, help="the HTML report to write")
    p.add_argument("--executed", type=Path, help="also write the executed notebook here")
    p.add_argument("--kernel", default=None,
                   help="kernel name (default: the notebook's kernelspec)")
    p.add_argument("--start-attempts", type=int, default=5)
    p.add_argument("--startup-timeout", default="20s",
                   help="per start attempt, e.g. 20s (a good start takes a few seconds)")
    p.add_argument("--cell-timeout", default="5m", help="per cell, e.g. 5m")
    p.add_argument("--show-input", action="store_true", help="keep the code in the HTML")
    args = p.parse_args()
    if not args.notebook.is_file():
        log(f"no such notebook: {args.notebook}")
        return 2
    if args.start_attempts < 1:
        log("--start-attempts must be at least 1")
        return 2
    try:
        args.startup_timeout = max(1, round(parse_duration(args.startup_timeout,
                                                           "--startup-timeout")))
        args.cell_timeout = max(1, round(parse_duration(args.cell_timeout, "--cell-timeout")))
    except ValueError as e:
        log(str(e))
        return 2

    nb = nbformat.read(args.notebook, as_version=4)
    cwd = str(args.notebook.resolve().parent)
    client = NotebookClient(nb, timeout=args.cell_timeout, startup_timeout=args.startup_timeout,
                            kernel_name=args.kernel or "", allow_errors=False,
                            resources={"metadata": {"path": cwd}})
    started = time.monotonic()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    log_path = args.output.with_name(args.output.stem + ".kernel.log")
    kernel_log = open(log_path, "w", encoding="utf-8")
    log(f"kernel output goes to {log_path}")
    if not start_kernel(client, args.start_attempts, cwd, kernel_log):
        log(f"the kernel did not start after {args.start_attempts} attempts; no cell was run")
        return 3

    status = 0
    try:
        client.execute()
    except CellExecutionError as e:
        status = 1
        log("a cell failed:\n" + str(e))
    finally:
        if client.km is not None:
            try:
                client._cleanup_kernel()
            except Exception:  # noqa: BLE001 - already shutting down
                pass

    kernel_log.close()
    exporter = HTMLExporter(template_name="lab", exclude_input=not args.show_input,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    tmp = args.output.with_suffix(args.output.suffix + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, args.output)
    if args.executed:
        args.executed.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, args.executed)
    log(f"{'FAILED' if status else 'ok'} in {time.monotonic() - started:.1f} s: "
        f"wrote {args.output}")
    return status


if __name__ == "__main__":
    sys.exit(main())
