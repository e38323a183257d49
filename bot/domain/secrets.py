"""Secrets that must never reach a log line: the patterns of credentials (Slack tokens,
bearer and basic auth, ``password=``) and the values held by `hidden` while the process has them
(the token password while it is delivered). `redact_text` masks both; `bot.runtime.logs` applies
it to every log record. Kept in the core because the delivery service holds the password."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator

MASK = "[redacted]"
_PATTERNS = [
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r'(?i)("?password"?\s*[:=]\s*)"[^"]*"'),
    re.compile(r"(?i)(password=)[^&\s]+"),
]


class _SecretRegistry:
    """Values that must never be logged; kept only as long as the process holds them."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if len(value) >= 6:
            with self._lock:
                self._values.add(value)

    def discard(self, value: str) -> None:
        with self._lock:
            self._values.discard(value)

    def scrub(self, text: str) -> str:
        with self._lock:
            values = list(self._values)
        for value in values:
            text = text.replace(value, MASK)
        return text


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
