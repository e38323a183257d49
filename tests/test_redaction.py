"""`redact_text`: the patterns every log line passes (tokens, Authorization values, passwords
in bodies and query strings, and credentials in URLs such as a proxy's)."""

from __future__ import annotations

import pytest

from bot.domain.secrets import MASK, redact_text


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        (
            "HTTP proxy URL has been loaded from an env variable: http://ops:s3cret@proxy:3128",
            "http://ops:",
            "s3cret",
        ),
        ("proxy: https://svc-account:p%40ss@10.0.0.1:8080/", "https://svc-account:", "p%40ss"),
        ("Authorization: Bearer abc.def-ghi", "Bearer", "abc.def-ghi"),
        ("token xoxb-123-456-abc in a line", "in a line", "xoxb-123-456-abc"),
        ('{"password": "hunter2"}', '"password": ', "hunter2"),
    ],
)
def test_secrets_in_a_line_are_masked(text: str, kept: str, gone: str) -> None:
    scrubbed = redact_text(text)
    assert gone not in scrubbed
    assert kept in scrubbed
    assert MASK in scrubbed


def test_a_url_without_credentials_is_left_alone() -> None:
    for text in ("http://proxy:3128", "https://api.ionos.com/containerregistries?x=1"):
        assert redact_text(text) == text
