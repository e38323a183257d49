"""Secrets that must never reach a log line: the patterns of credentials (Slack tokens,
bearer and basic auth, ``password=``) and the values held by `hidden` while the process has them
(the token password while it is delivered), in every form a log line can hold them (`forms_of`:
JSON-escaped, URL-encoded, repr(), entity-escaped, and combinations of these). `redact_text`
masks both; `bot.runtime.logs` applies it to every log record. Kept in the core because the
delivery service holds the password."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from urllib.parse import quote, quote_plus

MASK = "[redacted]"
_PATTERNS = [
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r'(?i)("?password"?\s*[:=]\s*)"[^"]*"'),
    re.compile(r"(?i)(password=)[^&\s]+"),
    re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(?=@)"),  # user:pass@ in a URL
]


def _entities(text: str) -> str:
    """``&``, ``<``, ``>`` as entities (how a chat message carries text as data)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _json(text: str) -> str:
    return json.dumps(text)[1:-1]


def _json_unicode(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _repr_in(text: str, tail: str) -> str:
    """`text` as repr() shows it inside a longer string ending in `tail`: which quote repr
    picks, and so which quote it escapes, depends on the whole string."""
    shown = repr(text + tail)[1:-1]
    for escaped in (tail.replace("'", "\\'"), tail):  # escaped first: it is longer
        if shown.endswith(escaped):
            return shown[: len(shown) - len(escaped)]
    return repr(text)[1:-1]


def _repr(text: str) -> str:
    return repr(text)[1:-1]


def _repr_single(text: str) -> str:  # a string holding both quotes: ' is escaped
    return _repr_in(text, "'\"")


def _repr_double(text: str) -> str:  # a string holding only ': repr picks ", ' stays
    return _repr_in(text, "'")


def _repr_bytes(text: str) -> str:
    return repr(text.encode())[2:-1]


def _quote(text: str) -> str:
    return quote(text, safe="")


def _quote_path(text: str) -> str:
    return quote(text)


_ENCODINGS: tuple[Callable[[str], str], ...] = (
    _entities,
    _json,
    _json_unicode,
    _repr,
    _repr_single,
    _repr_double,
    _repr_bytes,
    _quote,
    _quote_path,
    quote_plus,
)
DEPTH = 3  # e.g. the password entity-escaped in a message, JSON in a body, repr() in a log


def forms_of(value: str) -> set[str]:
    """Every way `value` can be written in a log line: as is, and through up to `DEPTH`
    encodings in a row (entity-escaped, JSON-escaped, repr(), URL-encoded, in any order)."""
    forms, layer = {value}, {value}
    for _ in range(DEPTH):
        layer = {encode(form) for form in layer for encode in _ENCODINGS} - forms
        forms |= layer
    return forms


class _SecretRegistry:
    """Values that must never be logged; kept only as long as the process holds them. Each is
    matched in all of its `forms_of`, with one regular expression (longest forms first).

    The forms and the expression are built when a log line is next scrubbed, not when a value
    comes or goes: a collect holds the password for a few milliseconds and usually logs
    nothing meanwhile, so building them on every `hidden` cost each collect a compile of every
    form of every password then in flight. `scrub` still always uses the values held now."""

    def __init__(self) -> None:
        self._values: dict[str, set[str] | None] = {}  # value -> its forms, once built
        self._pattern: re.Pattern[str] | None = None
        self._stale = False
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if len(value) >= 6:
            with self._lock:
                self._values.setdefault(value, None)
                self._stale = True

    def discard(self, value: str) -> None:
        with self._lock:
            if value in self._values:
                del self._values[value]
                self._stale = True

    def _compile(self) -> None:
        for value, known in self._values.items():
            if known is None:
                self._values[value] = forms_of(value)
        forms = sorted({f for fs in self._values.values() if fs for f in fs}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None
        self._stale = False

    def scrub(self, text: str) -> str:
        with self._lock:
            if self._stale:
                self._compile()
            pattern = self._pattern
        return text if pattern is None else pattern.sub(MASK, text)


_registry = _SecretRegistry()


@contextlib.contextmanager
def hidden(value: str) -> Iterator[None]:
    """While inside, `value` is masked in every log record created anywhere."""
    _registry.add(value)
    try:
        yield
    finally:
        _registry.discard(value)


def redact_text(text: str) -> str:
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + MASK, text)
        else:
            text = pattern.sub(MASK, text)
    return _registry.scrub(text)
