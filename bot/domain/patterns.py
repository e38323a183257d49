"""Repository patterns as people write them: ``team/app`` (exactly), ``team/*`` or ``team*``
(a prefix) and ``*`` (everything), the same shapes a scope may ask for."""

from __future__ import annotations


def _prefix(pattern: str) -> str | None:
    """The prefix a pattern stands for, or None when it names one repository exactly."""
    return pattern[:-1] if pattern.endswith("*") else None


def pattern_covers(pattern: str, repository: str) -> bool:
    """True when everything `repository` (itself possibly a pattern) can reach is within
    `pattern`: ``team/*`` covers ``team/app`` and ``team/x*`` but not ``team*`` nor ``*``."""
    allowed = _prefix(pattern)
    if allowed is None:
        return repository == pattern
    asked = _prefix(repository)
    return (asked if asked is not None else repository).startswith(allowed)


def covered_by_any(patterns: tuple[str, ...], repository: str) -> bool:
    return any(pattern_covers(p, repository) for p in patterns)
