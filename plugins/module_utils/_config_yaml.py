# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading core-config.yaml into plain data. Private to this collection.

`read()` turns the file's bytes into dicts, lists and scalars, the line of every key,
and a problem (instead of an exception, a hang or a silent surprise) for: text that is
not UTF-8 (UTF-16/32 with a byte-order mark are read, as YAML allows), syntax errors
(at the line of a no-break space that caused one), duplicate keys, keys that are not
scalars, aliases that are undefined, recursive or that expand beyond a fixed budget (an
alias bomb is refused at the alias, in time and memory linear in the file), nesting
deeper than MAX_DEPTH, a second document, tags other than YAML's own (`!vault`), and
YAML 1.1 octal numbers (`0600`) where a setting is read.

It composes from the parser's events itself (libyaml's when present, for speed) instead
of PyYAML's composer, so that an alias is shared instead of rebuilt at every use, every
key keeps the line it is written on (a value reached through an alias is placed at the
alias), and `<<` merge keys work. Read like YAML 1.2 and Helm, every key is the text as
written (`101:` is the host "101", `on:` is "on"), and dates and base-60 numbers
(`12:30`) stay text.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

try:
    import yaml
    HAS_YAML = True
    _FAST = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
except ImportError:  # pragma: no cover - the controller installs it (requirements/controller.txt)
    HAS_YAML = False

from ._config_report import Problem, cut, key_text, plain, quote

MAX_BYTES = 64 * 2**20       # a larger file is refused before it is read
MAX_DEPTH = 64               # deeper nesting is refused (real configurations nest about 15 levels)
ALIAS_NODES = 100_000        # aliases may add at most this many nodes beyond the file's own
MAX_PROBLEMS = 100           # the reader stops listing after this many
_WORDED_BYTES = 2**20        # syntax errors of files up to this size are worded by PyYAML's own parser

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}
_ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]")
_SPACE_NAMES = {"\u00a0": "a no-break space (U+00A0)", "\u202f": "a narrow no-break space (U+202F)",
                "\u200b": "a zero-width space (U+200B)", "\ufeff": "a zero-width no-break space (U+FEFF)",
                "\u3000": "an ideographic space (U+3000)"}
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))


@dataclass
class Document:
    data: object                 # None when the file cannot be read as one YAML document
    lines: dict                  # path -> line of its key (or list item)
    problems: list
    raw: dict = field(default_factory=dict)   # path -> text of a plain scalar that YAML read as a non-string


class _Stop(Exception):
    """Reading cannot go on (alias bomb, nesting, second document); the problems say why."""


def _never(path) -> bool:
    return False


def read(source, literal=_never) -> Document:
    """Reads core-config.yaml's bytes (or text). `literal(path)` marks the parts read as Helm reads
    chart values: there octal numbers are numbers, as in Helm, and no raw text is kept."""
    if isinstance(source, (bytes, bytearray)):
        text, problems = decode(bytes(source))
        if problems:
            return Document(None, {}, problems)
    else:
        text = source
    if text.startswith("\ufeff"):
        text = text[1:]
    composer = _Composer(literal)
    try:
        composer.run(text)
    except _Stop:
        return Document(None, composer.lines, composer.problems)
    except yaml.YAMLError as exc:
        return Document(None, {}, [syntax_problem(text, exc)])
    except UnicodeError:
        return Document(None, {}, [Problem((), "holds characters that are not valid Unicode text; save the file as UTF-8")])
    return Document(composer.data, composer.lines, composer.problems, composer.raw)


# --- bytes to text ----------------------------------------------------------------

def decode(data: bytes):
    """(text, problems). UTF-8 with or without a byte-order mark; UTF-16 and UTF-32 when a byte-order
    mark or the NUL bytes of the first character say so (YAML 1.2, section 5.2)."""
    enc, name = "utf-8", "UTF-8"
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            enc, name = codec, label
            break
    else:
        if data[:3] == b"\0\0\0":
            enc, name = "utf-32-be", "UTF-32"
        elif data[1:4] == b"\0\0\0":
            enc, name = "utf-32-le", "UTF-32"
        elif data[:1] == b"\0":
            enc, name = "utf-16-be", "UTF-16"
        elif data[1:2] == b"\0":
            enc, name = "utf-16-le", "UTF-16"
    try:
        return data.decode(enc), []
    except UnicodeDecodeError as exc:
        if enc != "utf-8":
            line = data[:exc.start].decode(enc, "replace").count("\n") + 1
            return None, [Problem((), f"is not valid {name} text (it starts with a {name} byte-order mark or NUL "
                                      f"bytes); save the file as UTF-8", line)]
    problems = []
    for n, text in enumerate(data.decode("utf-8", "surrogateescape").split("\n"), 1):
        bad = next((ch for ch in text if "\udc80" <= ch <= "\udcff"), None)
        if bad is not None:
            problems.append(Problem((), f"is not UTF-8 text: byte 0x{ord(bad) - 0xdc00:02x} on this line (the file is "
                                        f"probably saved as Latin-1 or Windows-1252); save it as UTF-8", n))
            if len(problems) == 5:
                break
    return None, problems


def odd_space(text: str) -> str:
    """'a no-break space (U+00A0)' when `text` holds a character that looks like a space but is not one."""
    odd = _ODD_SPACE.search(text) if isinstance(text, str) else None
    return _SPACE_NAMES.get(odd.group(), f"an unusual space (U+{ord(odd.group()):04X})") if odd else ""


def syntax_problem(text: str, exc) -> Problem:
    """A parse error as one problem: at the line of the unusual space that caused it, if any."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark else None
    if line is None and getattr(exc, "position", None) is not None:
        line = text.count("\n", 0, exc.position) + 1
    if getattr(exc, "character", None) is not None:
        ch = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return Problem((), f"not valid YAML: the character U+{ord(ch):04X} is not allowed in YAML text; remove it", line)
    if line:
        source = text.split("\n", line)[:line]
        for n in range(len(source), max(0, len(source) - 3), -1):
            odd = odd_space(source[n - 1])
            if odd:
                return Problem((), f"not valid YAML: this line holds {odd}, which YAML does not read as a space; "
                                   f"replace it with a plain space", n)
    problem = getattr(exc, "problem", None) or str(exc).split("\n", maxsplit=1)[0]
    if _FAST is not yaml.SafeLoader and len(text) <= _WORDED_BYTES:
        worded = _python_wording(text)   # libyaml's wording is terser than PyYAML's
        if worded and worded[1] == line:
            problem = worded[0]
    if "'\\t'" in problem:
        problem += " (a tab: YAML indents with spaces)"
    return Problem((), f"not valid YAML: {cut(problem, 200)}", line)


def _python_wording(text: str):
    try:
        for _event in yaml.parse(text, Loader=yaml.SafeLoader):
            pass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if getattr(exc, "problem", None) and mark:
            return exc.problem, mark.line + 1
    return None


# --- events to data ----------------------------------------------------------------

_NOKEY, _DROP, _MERGE = object(), object(), object()


class _Frame:
    __slots__ = ("value", "path", "anchor", "size", "key", "key_line", "merges", "literal", "is_key", "is_list",
                 "child")

    def __init__(self, value, path, anchor, literal, is_key):
        self.value, self.path, self.anchor, self.literal, self.is_key = value, path, anchor, literal, is_key
        self.is_list = isinstance(value, list)
        self.size, self.key, self.key_line, self.merges, self.child = 0, _NOKEY, None, [], None


class _Composer:
    def __init__(self, literal):
        self.literal = literal
        self.data = None
        self.lines: dict = {}
        self.raw: dict = {}
        self.problems: list = []
        self.stack: list = []
        self.anchors: dict = {}      # name -> (value, expanded size, text of a scalar)
        self.open: set = set()       # anchors of collections not finished yet
        self.nodes = 0               # nodes written in the file
        self.expanded = 0            # nodes added by aliases
        self.documents = 0
        self.constructor = yaml.SafeLoader("")
        self.resolvers = yaml.SafeLoader.yaml_implicit_resolvers

    def problem(self, path, message, line):
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(tuple(path) if path is not None else (), message, line))

    def run(self, text):
        events = yaml.events
        scalar_event, mapping_start, sequence_start = events.ScalarEvent, events.MappingStartEvent, events.SequenceStartEvent
        ends = (events.MappingEndEvent, events.SequenceEndEvent)
        scalar, start, end = self.scalar, self.start, self.end
        for ev in yaml.parse(text, Loader=_FAST):
            cls = ev.__class__
            if cls is scalar_event:
                scalar(ev)
            elif cls is mapping_start:
                start(ev, {})
            elif cls is sequence_start:
                start(ev, [])
            elif cls in ends:
                end()
            elif cls is events.AliasEvent:
                self.alias(ev)
            elif cls is events.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    self.problem((), "a second YAML document starts here; core-config.yaml is one document: remove the "
                                     "'---' line and what follows, or merge it into the first", ev.start_mark.line + 1)
                    raise _Stop()
        if self.data is None and not self.documents:
            self.data = {}

    # Where the next node goes: (path, literal, is a key)
    def slot(self):
        if not self.stack:
            return (), self.literal(()), False
        top = self.stack[-1]
        if top.is_list:
            return top.path + (len(top.value),), top.literal, False
        if top.key is _NOKEY:
            return top.path, top.literal, True
        if top.key is _DROP:
            return top.path + ("<key>",), True, False
        if top.key is _MERGE:
            return top.path + ("<<",), top.literal, False
        return top.child, top.literal or self.literal(top.child), False

    def deliver(self, value, size):
        if not self.stack:
            self.data = value
            return
        top = self.stack[-1]
        top.size += size
        if top.is_list:
            top.value.append(value)
            return
        key, top.key = top.key, _NOKEY
        if key is _MERGE:
            top.merges.append((value, top.key_line))
        elif key is not _DROP:
            top.value[key] = value

    def set_key(self, key, line, merge=False):
        top = self.stack[-1]
        top.key_line = line
        if merge:
            top.key = _MERGE
            return
        path = top.path + (key,)
        if key in top.value:
            self.problem(path, f"duplicate key '{key_text(key)}' (also on line {self.lines.get(path)}); keep one", line)
            top.key = _DROP
            return
        self.lines[path] = line
        top.key, top.child = key, path

    def scalar(self, ev):
        # The fast path, most of a large file: a plain, untagged scalar without an anchor.
        stack = self.stack
        if stack and ev.tag is None and not ev.anchor and ev.implicit[0]:
            top, text = stack[-1], ev.value
            key = top.key
            if top.is_list or (key is not _NOKEY and key is not _DROP and key is not _MERGE):
                resolvers = self.resolvers.get(text[:1]) if text else True
                if resolvers and (resolvers is True or any(rx.match(text) for _tag, rx in resolvers)):
                    return self.slow_scalar(ev)     # not a string: a number, boolean, null, date
                self.nodes += 1
                top.size += 1
                if top.is_list:
                    self.lines[top.path + (len(top.value),)] = ev.start_mark.line + 1
                    top.value.append(text)
                else:
                    top.value[key] = text
                    top.key = _NOKEY
                return
            if key is _NOKEY and text != "<<" and text not in top.value:
                self.nodes += 1
                line = ev.start_mark.line + 1
                path = top.path + (text,)
                self.lines[path] = line
                top.key, top.child, top.key_line = text, path, line
                return
        return self.slow_scalar(ev)

    def slow_scalar(self, ev):
        path, literal, is_key = self.slot()
        line = ev.start_mark.line + 1
        self.nodes += 1
        text, tag = ev.value, ev.tag
        if is_key:
            if tag not in (None, "!") and tag not in _SCALAR_TAGS:
                self.problem(path + (text,), self._tag_message(tag), line)
            if ev.anchor:
                self.anchors[ev.anchor] = (text, 1, text)
            self.set_key(text, line, merge=(text == "<<" and tag is None and ev.implicit[0]))
            return
        self.lines.setdefault(path, line)
        if tag is None and ev.implicit[0]:
            value = self.resolve(text, path, literal, line)
        elif tag is None or tag == "!" or tag == _CORE + "str":
            value = text
        elif tag in _SCALAR_TAGS:
            value = self.construct(tag, text, path, line)
        else:
            self.problem(path, self._tag_message(tag), line)
            value = None
        if ev.anchor:
            self.anchors[ev.anchor] = (value, 1, text)
        self.deliver(value, 1)

    def resolve(self, text, path, literal, line):
        tag = _CORE + "str"
        for candidate, regexp in self.resolvers.get(text[:1], ()) if text else self.resolvers.get("", ()):
            if regexp.match(text):
                tag = candidate
                break
        if tag in (_CORE + "str", _CORE + "timestamp", _CORE + "merge", _CORE + "value") or ":" in text:
            return text          # dates and base-60 numbers stay text, as in YAML 1.2 and Helm
        value = self.construct(tag, text, path, line)
        if not literal:
            self.raw[path] = text
            if tag == _CORE + "int" and _OCTAL.match(text) and value != int(text.replace("_", ""), 10):
                self.problem(path, f"{text} is an octal number in YAML 1.1 (it reads as {value}); write the number "
                                   f"without the leading zero, or quote it ('{text}') if it is text", line)
        return value

    def construct(self, tag, text, path, line):
        node = yaml.ScalarNode(tag, text)
        try:
            if tag == _CORE + "int":
                return self.constructor.construct_yaml_int(node)
            if tag == _CORE + "float":
                return self.constructor.construct_yaml_float(node)
            if tag == _CORE + "bool":
                return self.constructor.construct_yaml_bool(node)
            return None
        except (ValueError, KeyError, IndexError, yaml.YAMLError):
            self.problem(path, f"the tag !!{tag[len(_CORE):]} does not fit the value {quote(text)}; fix the value "
                               f"or remove the tag", line)
            return text

    @staticmethod
    def _tag_message(tag) -> str:
        if tag == "!vault":
            return ("an ansible-vault value (!vault) is not read here: core-config.yaml never holds a secret; keep it "
                    "in ansible-vault and reference it ({vault_variable: NAME}), or let the platform generate it")
        shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
        return f"the YAML tag {plain(shown)} is not supported: core-config.yaml is plain YAML; remove the tag"

    def start(self, ev, container):
        stack = self.stack
        if stack and ev.tag is None and not ev.anchor and len(stack) < MAX_DEPTH:
            top = stack[-1]   # the fast path: an untagged collection without an anchor
            if top.is_list:
                path = top.path + (len(top.value),)
                self.lines[path] = ev.start_mark.line + 1
            elif top.key is not _NOKEY and top.key is not _DROP and top.key is not _MERGE:
                path = top.child
            else:
                path = None
            if path is not None:
                self.nodes += 1
                frame = _Frame(container, path, None, top.literal or self.literal(path), False)
                frame.key_line = ev.start_mark.line + 1
                stack.append(frame)
                return
        path, literal, is_key = self.slot()
        line = ev.start_mark.line + 1
        self.nodes += 1
        if len(self.stack) >= MAX_DEPTH:
            self.problem(path, f"nested more than {MAX_DEPTH} levels deep; core-config.yaml and chart values nest far "
                               f"less: flatten this part", line)
            raise _Stop()
        expected = _CORE + ("seq" if isinstance(container, list) else "map")
        if ev.tag not in (None, "!", expected):
            self.problem(path, self._tag_message(ev.tag), line)
        if is_key:
            frame = _Frame(container, path + ("<key>",), ev.anchor, True, True)
        else:
            self.lines.setdefault(path, line)
            frame = _Frame(container, path, ev.anchor, literal, False)
        frame.key_line = line
        if ev.anchor:
            self.open.add(ev.anchor)
        self.stack.append(frame)

    def end(self):
        frame = self.stack.pop()
        if frame.merges:
            self.merge(frame)
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.value, frame.size + 1, None)
            self.open.discard(frame.anchor)
        if frame.is_key:
            self.not_a_key(frame.path[:-1], frame.key_line)
            return
        self.deliver(frame.value, frame.size + 1)

    def not_a_key(self, path, line):
        self.problem(path, "a key must be a plain scalar (a name), not a mapping or a list", line)
        self.stack[-1].key = _DROP

    def alias(self, ev):
        path, _literal, is_key = self.slot()
        line, name = ev.start_mark.line + 1, ev.anchor
        if name not in self.anchors:
            where = path if not is_key else self.stack[-1].path
            if name in self.open:
                self.problem(where, f"the alias *{plain(name)} is used inside the node it names (a recursive alias); YAML "
                                    f"data cannot contain itself: write the content out", line)
            else:
                self.problem(where, f"the alias *{plain(name)} is used before an anchor &{plain(name)} defines it; define "
                                    f"the anchor first (above this line)", line)
            if is_key:
                self.stack[-1].key = _DROP
            else:
                self.deliver(None, 1)
            return
        value, size, text = self.anchors[name]
        self.expanded += size
        if self.expanded > ALIAS_NODES + self.nodes:
            self.problem(path if not is_key else self.stack[-1].path,
                         f"the alias *{plain(name)} brings the nodes added by aliases to {self.expanded}, more than the "
                         f"{ALIAS_NODES} allowed beyond the file's own {self.nodes} (an alias bomb?); write the "
                         f"content out or use fewer aliases", line)
            raise _Stop()
        if is_key:
            if isinstance(value, (dict, list)):
                self.not_a_key(path, line)
            else:
                self.set_key(text if text is not None else str(value), line)
            return
        self.lines.setdefault(path, line)
        self.deliver(value, size)

    def merge(self, frame):
        explicit, merged = frame.value, {}
        for value, line in frame.merges:
            for source in (value if isinstance(value, list) else [value]):
                if not isinstance(source, dict):
                    self.problem(frame.path + ("<<",), "a merge key (<<) takes a mapping or a list of mappings, such as "
                                                       "<<: *defaults", line)
                    continue
                for key, item in source.items():
                    if key not in explicit and key not in merged:
                        merged[key] = item
                        self.lines.setdefault(frame.path + (key,), line)
        frame.value = {**merged, **explicit}
