"""Where the lab keeps its files, and the record of what it started."""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAB_DIR = REPO / "lab"


def state_dir() -> Path:
    return Path(os.environ.get("OPENLAKES_LAB_STATE", REPO / ".lab"))


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    return Path(os.environ.get("OPENLAKES_LAB_CACHE", Path(base) / "openlakes-lab"))


def podman_env() -> dict[str, str]:
    """podman's configuration comes from the lab's own file (LAB.md section 2)."""
    env = dict(os.environ)
    env["CONTAINERS_CONF"] = str(LAB_DIR / "podman" / "containers.conf")
    return env


def run(argv: list[str], *, check: bool = True, capture: bool = True, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, text=True, capture_output=capture, **kw)
    if check and proc.returncode != 0:
        raise LabError(f"command failed (rc={proc.returncode}): {' '.join(argv)}\n{proc.stderr or ''}".rstrip())
    return proc


class LabError(RuntimeError):
    pass


@dataclass
class Record:
    """What a lab part started: it is the only thing `down` stops."""

    path: Path
    data: dict = field(default_factory=dict)

    @classmethod
    def load(cls, name: str) -> "Record":
        path = state_dir() / f"{name}.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        return cls(path, data)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=2, sort_keys=True))
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.data = {}
        if self.path.exists():
            self.path.unlink()
