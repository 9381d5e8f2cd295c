# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How core-config.yaml's problems are told. Private to this collection.

A problem is one sentence at one place: `file:line: key.path: what is wrong; what would
be right`. Every value a message shows goes through `quote()` or `describe()`, which
never show a value that may be a secret (see `_sensitive`) and cut long ones, so a
megabyte of value never becomes a megabyte of output.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from . import _sensitive

SHOWN_CHARS = 60      # values longer than this are cut to their first CUT_TO characters
CUT_TO = 40
MAX_MESSAGE = 600     # no message is longer, whatever it quotes


@dataclass(frozen=True)
class Problem:
    path: tuple
    message: str
    line: int | None = None

    @property
    def dotted(self) -> str:
        return format_path(self.path)

    def render(self, filename: str = "core-config.yaml") -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where}: {self.dotted or '(top level)'}: {self.message}"


def format_path(path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            text = key_text(part)
            if not text or text != text.strip():   # a blank key, or one with spaces around it: quoted
                text = repr(text)
            out += ("." if out else "") + text
    return out


def key_text(key) -> str:
    """A key as a path shows it: cut when long, hidden when it looks like a secret."""
    key = str(key)
    if _sensitive.looks_secret(key):
        return "<a key that looks like a secret>"
    if not key.isprintable() or any(ch in key for ch in "\u00a0\u202f\u3000"):
        key = repr(key)[1:-1]   # what cannot be seen is shown escaped: '\xa0', '\t'
    return cut(key)


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    text = str(text)
    return text if len(text) <= limit else f"{text[:CUT_TO]}… ({len(text)} characters)"


def plain(text, path=(), limit: int = SHOWN_CHARS) -> str:
    """`text` (a path, a name) written into a message without quotes: cut when long, never a secret."""
    return "(a value that may be a secret, not shown)" if hidden(str(text), path) else cut(text, limit)


def hidden(value, path=()) -> bool:
    """True when a message must not show `value` found at `path`."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):   # a number is hidden only as the value of a credential key
        return _sensitive.credential_key(next((p for p in reversed(path) if isinstance(p, str)), ""))
    return _sensitive.secret_context(path) or _sensitive.looks_secret(value)


def quote(value, path=()) -> str:
    """`value` as a message shows it: `'text'`, `42`, or a description when it must not be shown."""
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if hidden(value, path):
        size = f" of {len(value)} characters" if isinstance(value, str) else ""
        return f"the value{size} (not shown: it may be a secret)"
    if isinstance(value, str):
        if len(value) > SHOWN_CHARS:
            return f"{repr(value[:CUT_TO])[:-1]}…{repr(value[:CUT_TO])[-1]} ({len(value)} characters)"
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def describe(value, path=()) -> str:
    """`a string 'x'`, `an integer 5`, `a mapping`: the kind of a value, and the value when it may be shown."""
    kind = typename(value)
    if value is None or isinstance(value, (dict, list)):
        return kind
    if hidden(value, path):
        size = f" of {len(value)} characters" if isinstance(value, str) else ""
        return f"{kind}{size} (not shown: it may be a secret)"
    return f"{kind} {quote(value, path)}"


def typename(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def did_you_mean(word, choices) -> str:
    word = str(word)
    if len(word) > 2 * SHOWN_CHARS:
        return ""
    match = difflib.get_close_matches(word, [str(c) for c in choices if str(c) != word], n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def line_of(lines: dict, path: tuple):
    """The line of `path`, or of its nearest ancestor present in the file (for a value reached
    through an alias, the line where the alias is used)."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def bounded(problem: Problem) -> Problem:
    """The last guard: no message is longer than MAX_MESSAGE characters."""
    if len(problem.message) <= MAX_MESSAGE:
        return problem
    return Problem(problem.path, problem.message[:MAX_MESSAGE - 40] + f"… (message cut, {len(problem.message)} characters)",
                   problem.line)
