"""User text as mrkdwn data: Slack's three control characters escaped, nothing else.

Slack reads ``<…>`` as a link, mention or command and ``&`` as the start of an entity; anything
a person typed (a reason, a comment) and anything from outside (names from IONOS) goes through
`escape` where it becomes mrkdwn, so it shows as typed and cannot ping ``<!channel>`` or
disguise a link.
"""

from __future__ import annotations


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
