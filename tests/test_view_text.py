"""The one escaping helper of the view builders (handlers/views/text.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.domain.models import (
    Action,
    RepoScope,
    RequestKind,
    RequestState,
    TokenAsk,
    TokenRequest,
)
from bot.services.home import HomeSnapshot
from bot.services.ports import RequesterNotice
from handlers.views.approval import approval_message, review_modal
from handlers.views.breakglass import alert_message, review_message
from handlers.views.home import home_view
from handlers.views.home_rows import decided_row, open_request_row, waiting_row
from handlers.views.requester import collected_message, requester_message
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


def test_a_registry_name_from_ionos_is_text_in_every_request_view() -> None:
    """IONOS's registry-name pattern keeps markup out today (the stand-in enforces it, so the
    HTTP flows cannot carry it); the builders escape it anyway."""
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    request = TokenRequest(
        id="r1",
        kind=RequestKind.NEW,
        state=RequestState.APPROVED,
        requester="UDEV",
        ask=TokenAsk(
            registry_id="reg-1",
            registry_name="<!channel>reg",
            token_name="ci-push",
            scopes=[RepoScope(repository="team/app", actions=frozenset({Action.PULL}))],
            expiry=now + timedelta(days=3),
            reason="<!here>",
        ),
        created_at=now,
        decided_by="UAPP1",
        comment="<https://evil.example|confirm>",
    )
    built = [
        approval_message(request, now),
        review_modal(request, existing=[], deny=False, now=now),
        requester_message(request, RequesterNotice.APPROVED, now),
        collected_message(request),
    ]
    for body in built:
        words = json.dumps(body)
        for live in ("<!channel>", "<!here>", "<https://evil.example"):
            assert live not in _mrkdwn(body), (live, words)
        assert "&lt;!channel&gt;reg" in words


def _mrkdwn(value: object) -> str:
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") == "mrkdwn" else []
        # a message's fallback `text` is parsed; a plain_text object's `text` never is
        parsed = isinstance(value.get("text"), str) and value.get("type") != "plain_text"
        top = [value["text"]] if parsed else []
        return "\n".join([*own, *top, *(_mrkdwn(v) for v in value.values())])
    if isinstance(value, list):
        return "\n".join(_mrkdwn(v) for v in value)
    return ""


def test_names_from_ionos_are_text_on_home_and_in_break_glass_messages() -> None:
    """The Home rows, Home's "could not read" line and the break-glass alert's fallback text
    show the registry's name, the old token's name of a rotation or extension (whatever IONOS
    holds) and IONOS's words escaped, like every other view."""
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    ask = TokenAsk(
        registry_id="reg-1",
        registry_name="<!channel>reg",
        token_name="ci-push-r2",
        scopes=[RepoScope(repository="team/app", actions=frozenset({Action.PULL}))],
        expiry=now + timedelta(days=3),
        reason="<!here>",
    )
    old_name = "<https://evil.example|old>"
    requests = [
        TokenRequest(
            id=f"r-{kind}-{state}",
            kind=kind,
            state=state,
            requester="UDEV",
            ask=ask,
            created_at=now,
            target_token_name=old_name,
            break_glass=kind is RequestKind.NEW,
        )
        for kind in (RequestKind.NEW, RequestKind.EXTEND, RequestKind.ROTATE)
        for state in (RequestState.PENDING, RequestState.DENIED)
    ]
    built: list[object] = [
        home_view(HomeSnapshot(user="UDEV", tokens_problem=f"IONOS said {old_name}"), now),
        *(alert_message(r, now) for r in requests if r.break_glass),
        *(review_message(r, now) for r in requests if r.break_glass),
        *(open_request_row(r, now) for r in requests if not r.state.is_final),
        *(decided_row(r, now) for r in requests if r.state.is_final),
        *(waiting_row(r, now) for r in requests if not r.state.is_final),
    ]
    for body in built:
        words = json.dumps(body)
        for live in ("<!channel>", "<!here>", "<https://evil.example"):
            assert live not in _mrkdwn(body), (live, words)
