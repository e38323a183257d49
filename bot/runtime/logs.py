"""Structured logging: one JSON object a line, secrets redacted by construction.

Two layers:

1. `install_redaction` replaces the log record factory, so *every* record — ours, httpx's,
   slack_bolt's, slack_sdk's (which logs whole request bodies at DEBUG) — has its message
   scrubbed the moment it is created, before any handler (a test's caplog included) sees
   it: Slack tokens (``xox?-…``, ``xapp-…``), bearer and basic credentials, and every value
   currently held by `hidden` (the token password while it is being delivered).
2. `RedactingFilter` on the production handler also masks the values of secret-looking
   ``extra`` keys (password, token, secret, authorization, signature, credential).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from bot.domain.secrets import MASK, redact_text

_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|authorization|signature|credential", re.I)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

_installed = False


def install_redaction() -> None:
    """Scrub every log record's message at creation (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break logging
            return record
        record.msg, record.args = redact_text(message), None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def _redact_value(key: str, value: Any) -> Any:
    if _SECRET_KEYS.search(key) and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(key, v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = redact_text(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key in set(vars(record)) - _STANDARD:
            setattr(record, key, _redact_value(key, getattr(record, key)))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key in set(vars(record)) - _STANDARD:
            entry[key] = getattr(record, key)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = {k: getattr(record, k) for k in set(vars(record)) - _STANDARD}
        tail = " ".join(f"{k}={v}" for k, v in sorted(extra.items()))
        line = f"{record.levelname.lower():7} {record.name}: {record.getMessage()} {tail}".rstrip()
        return f"{line}\n{record.exc_text}" if record.exc_text else line


# Libraries that log every request at INFO: a health check each 30 s, and the IONOS call it
# makes, would be ~2,900 lines a day of an idle bot. Their warnings still come through; with
# LOG_LEVEL=DEBUG everything does.
CHATTY = ("httpx", "httpcore")


class OneTraceback(logging.Filter):
    """A failure that repeats (slack_sdk retrying a connection every few seconds) logs its
    traceback once: later records of the same failure (exception type and the message up to
    its first parenthesis) keep their one line, with the reason, and lose the traceback —
    until a record containing `reset` (a success) starts again."""

    def __init__(self, reset: str) -> None:
        super().__init__()
        self._reset = reset
        self._shown: set[tuple[object, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._reset in message:
            self._shown.clear()
        elif record.exc_info:
            key = (record.exc_info[0], message.partition("(")[0])
            if key in self._shown:
                record.exc_info, record.exc_text = None, None
            self._shown.add(key)
        return True


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    install_redaction()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if level == "DEBUG" else logging.WARNING)
