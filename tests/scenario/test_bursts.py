"""Bursts: people asking for the same thing at once share one IONOS walk and one Slack lookup."""

from __future__ import annotations

import asyncio

from tests.scenario.harness import Harness


async def test_simultaneous_listings_of_a_registry_share_one_walk(harness: Harness) -> None:
    registry = harness.registries["team-registry"]
    for index in range(3):
        harness.ionos.add_token(registry.id, f"shared-{index}")
    await harness.bot.services.catalog.refresh()
    harness.ionos.knobs.latency = 0.3  # long enough for all the commands to overlap
    replies = await asyncio.gather(
        *(harness.driver.command("list team-registry", user_id="UAPP1") for _ in range(20))
    )
    await harness.settle()
    assert {r.status for r in replies} == {200}
    walks = [
        r
        for r in harness.ionos.requests
        if r.method == "GET" and r.path.endswith(f"/registries/{registry.id}/tokens")
    ]
    assert len(walks) == 1
    listings = [c for c in harness.responses() if "shared-2" in harness.text_of(c)]
    assert len(listings) == 20
    groups = harness.calls("usergroups.users.list")
    assert len(groups) == 1


async def test_simultaneous_lookups_of_one_token_name_share_one_walk(harness: Harness) -> None:
    """`show <registry> <name>` finds a token by name by reading the registry's pages; approvers
    asking for the same name at once share that walk (a missing name reads every page)."""
    registry = harness.registries["team-registry"]
    for index in range(3):
        harness.ionos.add_token(registry.id, f"shared-{index}")
    await harness.bot.services.catalog.refresh()
    await harness.command("pending", "UAPP1")  # the approvers' group is known now
    harness.ionos.knobs.latency = 0.3
    replies = await asyncio.gather(
        *(
            harness.driver.command("show team-registry no-such-name", user_id="UAPP1")
            for _ in range(20)
        )
    )
    await harness.settle()
    assert {r.status for r in replies} == {200}
    walks = [
        r
        for r in harness.ionos.requests
        if r.method == "GET" and r.path.endswith(f"/registries/{registry.id}/tokens")
    ]
    assert len(walks) == 1
    answers = [c for c in harness.responses() if "no token `no-such-name`" in harness.text_of(c)]
    assert len(answers) == 20
