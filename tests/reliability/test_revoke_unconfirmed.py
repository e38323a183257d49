"""A break-glass *Revoke now* whose Redis write the replica does not confirm (replica paused
with SIGSTOP; `REDIS_MIN_REPLICAS_ACK=1`): the approver is told to try again — and the token
is already switched off at IONOS, not left working until someone retries. The retry, once the
replica is back, finishes the revocation (deleted), and answers in words."""

from __future__ import annotations

import signal

import pytest
import redis.asyncio as aioredis

from bot.devtools.slack import FakeSlack
from bot.policy.model import Policy
from handlers.ids import ActionId
from tests.reliability.rig import running_bot
from tests.scenario.rules_world import rules_policy_mapping, submit_breakglass
from tests.store.test_replication import following, master_and_replica

pytestmark = pytest.mark.reliability


async def test_an_unconfirmed_revoke_still_switches_the_token_off(fake_slack: FakeSlack) -> None:
    with master_and_replica() as (master, replica):
        on_master = aioredis.Redis.from_url(master.url, decode_responses=True)
        await following(on_master)
        policy = Policy.from_mapping(rules_policy_mapping())
        async with running_bot(
            fake_slack, redis_url=master.url, policy=policy, replicas_ack=1
        ) as (rig, _):
            reply = await submit_breakglass(rig, "UDEV")
            assert reply.status == 200 and not reply.text, reply.text
            request_id = rig.button_value(rig.dms_to("UDEV")[-1], ActionId.COLLECT)
            await rig.collect("UDEV", request_id)
            registry = rig.registries["team-registry"].id
            (token,) = rig.ionos.tokens(registry)

            assert replica.process is not None
            replica.process.send_signal(signal.SIGSTOP)
            try:
                await rig.click(ActionId.BREAKGLASS_REVOKE, "UAPP1", request_id)
                assert "try again" in rig.text_of(rig.responses()[-1])
                switched = rig.ionos.token(registry, token.id)
                assert switched is None or switched.status == "disabled"
            finally:
                replica.process.send_signal(signal.SIGCONT)
            await following(on_master)

            await rig.click(ActionId.BREAKGLASS_REVOKE, "UAPP1", request_id)  # the retry
            assert rig.ionos.tokens(registry) == []
            await rig.click(ActionId.BREAKGLASS_REVOKE, "UAPP1", request_id)
            assert "already revoked" in rig.text_of(rig.responses()[-1])
        await on_master.aclose()
