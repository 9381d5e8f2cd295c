# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""/etc/fstab, read and edited as ansible.posix.mount does it. Private to this collection.

One entry per mount point: an entry replaces every active line for its mount point, in place,
or is appended; comments, blank lines and every other line stay as they are. Fields are written
separated by one space, with ansible.posix.mount's escapes (space, ampersand, backslash).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

_ESCAPES = (("\\", "\\134"), (" ", "\\040"), ("&", "\\046"))
# Read back also tabs and newlines (mount(8) escapes); the backslash last, so "\\134040" stays "\\040".
_UNESCAPES = (("\\046", "&"), ("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\"))


def escape(field: str) -> str:
    for raw, esc in _ESCAPES:
        field = field.replace(raw, esc)
    return field


def unescape(field: str) -> str:
    for esc, raw in _UNESCAPES:
        field = field.replace(esc, raw)
    return field


@dataclass(frozen=True)
class Entry:
    src: str
    path: str
    fstype: str
    opts: str = "defaults"
    dump: str = "0"
    passno: str = "0"

    def line(self) -> str:
        return " ".join(escape(str(v)) for v in (self.src, self.path, self.fstype, self.opts, self.dump, self.passno))

    def as_dict(self) -> dict:
        return asdict(self)


def _entry(line: str):
    """The entry of an active line, or None (blank, comment, or not 4-6 fields)."""
    fields = line.split("#")[0].split()
    if not line.strip() or line.strip().startswith("#") or len(fields) not in (4, 5, 6):
        return None
    fields = [unescape(f) for f in fields] + ["0"] * (6 - len(fields))
    return Entry(*fields)


def parse(text: str) -> list:
    """The active entries, in file order."""
    return [e for e in (_entry(line) for line in text.splitlines()) if e is not None]


def ensure(text: str, entries) -> str:
    """The file with each entry's mount point set to that entry."""
    wanted = {e.path: e for e in entries}
    seen, out = set(), []
    for line in text.splitlines(keepends=True):
        current = _entry(line)
        if current is not None and current.path in wanted:
            seen.add(current.path)
            entry = wanted[current.path]
            out.append(line if current == entry else entry.line() + "\n")
        else:
            out.append(line if line.endswith("\n") else line + "\n")
    out += [e.line() + "\n" for e in entries if e.path not in seen]
    return "".join(out)
