"""User text as data in ``mrkdwn``: the one place it is escaped.

Slack parses ``<…>`` in mrkdwn (and in a message's ``text`` fallback) as live markup:
``<!channel>`` pings everyone, ``<@U…>`` mentions, ``<https://…|label>`` is a link with any
label. Its formatting rules ask for exactly three characters to be escaped — ``&`` as
``&amp;``, ``<`` as ``&lt;``, ``>`` as ``&gt;`` — after which Slack shows the text as typed.

Every piece of text a person (or IONOS) supplied — reasons, comments, token, repository and
registry names, command arguments, error summaries — goes through one of these functions in
the view builders, once, where it becomes mrkdwn. ``plain_text`` objects need none of this
(Slack never parses them); they take the text as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.models import RepoScope

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """`text` shown as typed in mrkdwn: ``&``, ``<``, ``>`` escaped per Slack's rules."""
    return text.translate(_ESCAPES)


def code(text: str) -> str:
    """`text` as inline code (escaped too: Slack parses ``<…>`` inside backticks as well)."""
    return f"`{escape(text)}`"


def quoted(text: str) -> str:
    """Multi-line user text as one visible quote: every line starts with ``>``, so no line of
    it can pass for a line of the bot's own (a forged "*Approved by …*")."""
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])


def escaped_except(text: str, people: Iterable[str]) -> str:
    """A sentence regbot composed, with user text inside it, escaped as a whole; the mentions
    of `people` (user ids regbot itself put there, e.g. "already approved by @x") stay live."""
    out = escape(text)
    for person in people:
        out = out.replace(escape(f"<@{person}>"), f"<@{person}>")
    return out


def scope_line(scope: RepoScope) -> str:
    """``team/app``: pull, push — one repository scope of a request."""
    return f"{code(scope.repository)}: {', '.join(a.value for a in scope.sorted_actions())}"
