"""Start lab processes and stop exactly those, by recorded PID (never by name)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _starttime(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def start(name: str, argv: list[str], log_dir: Path, env: dict | None = None, exe: str | None = None) -> dict:
    """`exe`: the program the process ends up running when argv[0] is a launcher that execs it
    (nsenter, unshare, setpriv); liveness is then checked against that program."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{name}.log", "ab")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, env=env)
    log.close()
    return {"pid": proc.pid, "exe": exe or argv[0], "starttime": _starttime(proc.pid), "log": str(log_dir / f"{name}.log")}


def alive(entry: dict) -> bool:
    """True while the recorded process is the very one we started (PID reuse is checked)."""
    pid = entry.get("pid")
    if not pid or _starttime(pid) != entry.get("starttime"):
        return False
    try:
        return os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(entry["exe"])
    except OSError:
        return False


def stop(entry: dict, timeout: float = 10.0) -> bool:
    """SIGTERM the recorded process, then SIGKILL after `timeout`. Returns whether it was running."""
    if not alive(entry):
        return False
    pid = entry["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(entry):
            break
        try:  # reap it if it is our own child
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    return True
