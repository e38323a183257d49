"""The signed Slack driver lives in the package (the demo uses it too); tests import it here."""

from bot.fakes.slack_driver import (
    APP_ID,
    FORM,
    SlackDriver,
    SlackReply,
    checkboxes,
    date_value,
    multi_select_values,
    select_value,
    slack_signature,
    text_value,
    user_value,
)

__all__ = [
    "APP_ID",
    "FORM",
    "SlackDriver",
    "SlackReply",
    "checkboxes",
    "date_value",
    "multi_select_values",
    "select_value",
    "slack_signature",
    "text_value",
    "user_value",
]
