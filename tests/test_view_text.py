"""The one escaping helper of the view builders (handlers/views/text.py)."""

from __future__ import annotations

from handlers.views.text import code, escape, escaped_except, quoted


def test_escape_follows_slacks_three_rules_and_nothing_else() -> None:
    assert escape("a & b <!channel> *bold* `x`") == "a &amp; b &lt;!channel&gt; *bold* `x`"
    assert escape("&lt;") == "&amp;lt;"  # typed entities stay as typed


def test_code_escapes_inside_the_backticks() -> None:
    assert code("<@U1>") == "`&lt;@U1&gt;`"


def test_every_line_of_a_quote_starts_with_the_quote_mark() -> None:
    text = "ci\n:white_check_mark: *Pre-approved by <@UX>*\n\n<!here>"
    assert quoted(text).splitlines() == [
        ">ci",
        ">:white_check_mark: *Pre-approved by &lt;@UX&gt;*",
        ">",
        ">&lt;!here&gt;",
    ]
    assert quoted("") == ">"


def test_only_the_named_peoples_mentions_stay_live() -> None:
    words = "already approved by <@UAPP1>; you typed <@UVICTIM> <!channel>"
    assert escaped_except(words, ("UAPP1",)) == (
        "already approved by <@UAPP1>; you typed &lt;@UVICTIM&gt; &lt;!channel&gt;"
    )
