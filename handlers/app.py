"""The Bolt app: every listener registered in one place, one app-wide error handler."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.logger import get_bolt_logger
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from handlers.ack_first import AcksSent
from handlers.listeners import (
    breakglass,
    commands,
    decisions,
    extend,
    home,
    options,
    owners,
    review_decisions,
    reviews,
    submissions,
    token_actions,
    withdraw,
)
from handlers.request_setup import RequestSetup
from handlers.services import Services
from handlers.traffic import TrafficCounter

log = logging.getLogger(__name__)


class _ClientCarriesTheToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a `client`, then warns
    on every start that the token will be unused. Ours is in the client (base URL, retries):
    the warning says nothing to an operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_token_notice() -> None:
    bolt_logger = get_bolt_logger(AsyncApp)
    if not any(isinstance(f, _ClientCarriesTheToken) for f in bolt_logger.filters):
        bolt_logger.addFilter(_ClientCarriesTheToken())


def build_bolt_app(
    client: AsyncWebClient,
    signing_secret: str,
    services: Services,
    *,
    traffic: TrafficCounter | None = None,
    acks_sent: AcksSent | None = None,
) -> AsyncApp:
    _quiet_token_notice()
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        raise_error_for_unhandled_request=False,
    )
    app.use(
        RequestSetup(
            session=client.session, proxy=client.proxy, traffic=traffic, acks_sent=acks_sent
        )
    )
    commands.register(app, services)
    decisions.register(app, services)
    submissions.register(app, services)
    options.register(app, services)
    token_actions.register(app, services)  # extend, rotate, disable/enable/delete now
    extend.register(app, services)  # the extend modal
    breakglass.register(app, services)  # the break-glass form and its post-hoc review
    home.register(app, services)  # the Home tab and its "Show all" modal
    withdraw.register(app, services)  # Cancel on a request (DM, Home)
    reviews.register(app, services)  # access review campaigns: the modal and its pages
    review_decisions.register(app, services)  # keep / disable / delete
    owners.register(app, services)  # adopt, assign owner

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # Listeners turn their own failures into words (handlers/reporting.py); what reaches
        # here failed before a listener ran (e.g. a malformed payload).
        log.error("unhandled Slack request", extra={"error": type(error).__name__})
        return BoltResponse(status=200, body="")

    return app
