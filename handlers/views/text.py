"""User text in mrkdwn: escaped once, where it becomes mrkdwn (the view builders).

Slack's mrkdwn gives ``&``, ``<`` and ``>`` a meaning (``<@U…>`` mentions, ``<!channel>``,
``<http://…|links>``); text a person typed is shown as typed with these escaped.
"""

from __future__ import annotations


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
