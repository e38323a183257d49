"""The HTTP surface besides Slack's events: health, and options for large registry lists."""

from __future__ import annotations

import aiohttp

from handlers.ids import ActionId, BlockId
from tests.scenario.harness import Harness


async def test_more_than_100_registries_use_an_external_select(harness: Harness) -> None:
    for index in range(120):
        harness.ionos.add_registry(f"bulk-{index:03d}")
    view = await harness.open_request_modal("UDEV")
    registry = next(b for b in view["blocks"] if b.get("block_id") == BlockId.REGISTRY)
    assert registry["element"]["type"] == "external_select"

    reply = await harness.driver.options(
        ActionId.REGISTRY, user_id="UDEV", value="bulk-01", block_id=BlockId.REGISTRY, view=view
    )
    assert reply.status == 200
    names = [o["text"]["text"] for o in reply.json["options"]]
    assert len(names) == 10
    assert all(name.startswith("bulk-01") for name in names)


async def test_a_small_registry_list_is_a_static_select(harness: Harness) -> None:
    view = await harness.open_request_modal("UDEV")
    registry = next(b for b in view["blocks"] if b.get("block_id") == BlockId.REGISTRY)
    assert registry["element"]["type"] == "static_select"
    names = sorted(o["text"]["text"].split()[0] for o in registry["element"]["options"])
    assert names == ["prod-registry", "team-registry"]


async def test_decisions_and_requests_show_in_metrics(harness: Harness) -> None:
    await harness.submit_request("UDEV")
    await harness.click(ActionId.APPROVE, "UAPP1", await harness.request_id_posted())
    url = harness.driver.url.removesuffix("/slack/events") + "/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        text = await response.text()
    assert 'regbot_decisions_total{outcome="approved"} 1.0' in text
    assert 'regbot_slack_requests_total{kind="action",name="regbot.approve"} 1.0' in text
