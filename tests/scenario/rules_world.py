"""A policy with every rule of issue 13 on ``team-registry`` (through ``defaults``) and none on
``prod-registry``, and the break-glass form driven like the request form."""

from __future__ import annotations

from typing import Any

from bot.devtools.slack_driver import checkboxes, select_value, text_value
from handlers.ids import ActionId, BlockId, Callback
from tests.scenario.harness import Harness, policy_mapping

SECURITY_CHANNEL = "CSECURITY"
ESCALATION_CHANNEL = "CESCALATIONS"
ONCALL = "UONCALL"
BREAK_GLASS_HOURS = 4


def rules_policy_mapping() -> dict[str, Any]:
    data = policy_mapping()
    data["defaults"] |= {
        "auto_approve": [
            {
                "name": "short-pulls",
                "actions": ["pull"],
                "max_days": 7,
                "repositories": ["team/*"],
                "per_user_per_day": 3,
            }
        ],
        "break_glass": {"max_hours": BREAK_GLASS_HOURS, "notify_channel": SECURITY_CHANNEL},
        "escalation": {"after": "8h", "approvers": [ONCALL], "channel": ESCALATION_CHANNEL},
    }
    data["registries"]["prod-registry"] |= {
        "auto_approve": [],
        "break_glass": False,
        "escalation": False,
    }
    return data


async def submit_breakglass(
    harness: Harness,
    user: str,
    *,
    registry: str = "team-registry",
    name: str = "fire-fix",
    scopes: list[tuple[str, list[str]]] | None = None,
    reason: str = "prod is down",
) -> Any:
    reply = await harness.command(f"breakglass {registry}", user)
    assert reply.status == 200, reply.text
    view = harness.last_opened_view()
    assert view["callback_id"] == Callback.BREAKGLASS_MODAL
    values: dict[str, dict[str, dict[str, Any]]] = {
        BlockId.REGISTRY: {ActionId.REGISTRY: select_value(harness.registries[registry].id)},
        BlockId.TOKEN_NAME: {ActionId.INPUT: text_value(name)},
        BlockId.REASON: {ActionId.INPUT: text_value(reason)},
    }
    for index, (repo, actions) in enumerate(scopes or [("team/app", ["pull", "push"])]):
        values[BlockId.scope_repo(index)] = {ActionId.INPUT: text_value(repo)}
        values[BlockId.scope_actions(index)] = {ActionId.INPUT: checkboxes(actions)}
    reply = await harness.driver.view_submission(
        Callback.BREAKGLASS_MODAL,
        user_id=user,
        values=values,
        private_metadata=view["private_metadata"],
        view=view,
    )
    await harness.settle()
    return reply
