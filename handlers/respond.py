"""`respond()` over the app's one aiohttp session.

Bolt's own `respond` builds an `AsyncWebhookClient` without a session for every reply, so
slack_sdk opens a session, a TCP (and in production a TLS) connection, and closes it again:
about a twentieth of the bot's CPU per request → approve → collect flow (docs/performance.md,
#17). This one posts the same message through the Web API client's session, whose connections
are kept alive. Same body, same retry handlers (slack_sdk's defaults), same errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message  # Bolt's: the same body
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

if TYPE_CHECKING:
    import aiohttp


class SessionRespond(AsyncRespond):
    def __init__(
        self,
        *,
        response_url: str,
        session: aiohttp.ClientSession | None,
        proxy: str | None = None,
    ) -> None:
        super().__init__(response_url=response_url, proxy=proxy)
        self._session = session

    async def __call__(  # the signature of Bolt's respond(): listeners call it the same way
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if self.response_url is None:  # pragma: no cover - built only with a URL
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        # the Web API client's proxy, as Bolt's respond passes it: without one, slack_sdk
        # reads HTTPS_PROXY again for every reply and logs it (password and all) at DEBUG
        client = AsyncWebhookClient(url=self.response_url, session=self._session, proxy=self.proxy)
        return await client.send_dict(message)
