"""Every Redis key regbot uses, built here and nowhere else.

All keys share one hash tag (``{regbot}``), so the multi-key Lua scripts run on Redis
Cluster too (every key lands in the same slot). The namespace is configurable so that
several bots, or tests, can share one Redis without seeing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    namespace: str = "regbot"

    @property
    def _p(self) -> str:
        return "{" + self.namespace + "}"

    # requests ---------------------------------------------------------------------------
    def request(self, request_id: str) -> str:
        """Hash: one token request and its state."""
        return f"{self._p}:req:{request_id}"

    def request_approvals(self, request_id: str) -> str:
        """Sorted set: user ids that approved the request, scored by approval time (epoch ms)."""
        return f"{self._p}:req:{request_id}:approvals"

    def submission(self, nonce: str) -> str:
        """String: modal nonce -> request id (a double submit creates one request)."""
        return f"{self._p}:submit:{nonce}"

    def pending_index(self) -> str:
        """Sorted set: pending request ids by creation time."""
        return f"{self._p}:pending"

    def user_requests(self, user_id: str) -> str:
        """Sorted set: a requester's request ids by creation time."""
        return f"{self._p}:user:{user_id}:requests"

    def user_open(self, user_id: str, registry_id: str) -> str:
        """Sorted set: a requester's requests waiting for approval on one registry, by creation
        time (epoch ms): what ``max_open_requests_per_user`` counts."""
        return f"{self._p}:user:{user_id}:open:{registry_id}"

    def name_claim(self, registry_id: str, token_name: str) -> str:
        """String: who holds a token name on a registry — ``req:<request id>`` from the request
        until its token exists, then ``token:<token id>`` until the token is deleted or expires.
        Names are compared case-insensitively."""
        return f"{self._p}:name:{registry_id}:{token_name.lower()}"

    def approved_index(self) -> str:
        """Sorted set: approved, not yet collected request ids by decision time (epoch ms)."""
        return f"{self._p}:approved"

    def rotations(self) -> str:
        """Sorted set: collected rotations whose old token still needs a step (disable, then
        delete), scored by when that step is due (epoch ms)."""
        return f"{self._p}:rotations"

    def auto_approvals(self, registry_id: str, rule: str, user_id: str, day: str) -> str:
        """Counter: requests a self-service rule approved for one person on one UTC day."""
        return f"{self._p}:auto:{registry_id}:{rule}:{user_id}:{day}"

    def break_glass_open(self) -> str:
        """Sorted set: break-glass request ids nobody has reviewed yet, by creation (epoch ms)."""
        return f"{self._p}:breakglass:open"

    # audit ------------------------------------------------------------------------------
    def audit_stream(self) -> str:
        """Stream: the append-only audit trail."""
        return f"{self._p}:audit"

    def audit_head(self) -> str:
        """String: hash of the newest audit entry (the chain's head)."""
        return f"{self._p}:audit:head"

    def audit_op(self, op_id: str) -> str:
        """String: op id -> stream id of the entry it appended (a retried append is a no-op)."""
        return f"{self._p}:audit:op:{op_id}"

    # ownership --------------------------------------------------------------------------
    def token_owner(self, token_id: str) -> str:
        """Hash: token id -> owner, registry, request."""
        return f"{self._p}:token:{token_id}"

    def user_tokens(self, user_id: str) -> str:
        """Set: token ids a user owns."""
        return f"{self._p}:user:{user_id}:tokens"

    # reminders and scheduling -----------------------------------------------------------
    def reminder_sent(self, token_id: str, threshold: str, expiry: str) -> str:
        """String: a reminder for (token, threshold, expiry) went out."""
        return f"{self._p}:remind:{token_id}:{threshold}:{expiry}"

    def digest_sent(self, channel: str, day: str) -> str:
        """String: the daily digest for (approval channel, UTC day) went out."""
        return f"{self._p}:digest:{channel}:{day}"

    def lock(self, name: str) -> str:
        """String: a lease (random holder value, PX ttl), e.g. the sweep's single-leader lock."""
        return f"{self._p}:lock:{name}"

    # the Home tab -----------------------------------------------------------------------
    def home_viewers(self) -> str:
        """Sorted set: users who opened regbot's Home tab, scored by their last open (epoch
        ms); only their Home is republished when something of theirs changes."""
        return f"{self._p}:home:viewers"

    # access reviews (bot/store/reviews.py) ------------------------------------------------
    def review(self, campaign_id: str) -> str:
        """Hash: one review campaign (registry, channel, due, counters, open flag)."""
        return f"{self._p}:review:{campaign_id}"

    def review_items(self, campaign_id: str) -> str:
        """Hash: token id -> JSON of the token's snapshot and its decision."""
        return f"{self._p}:review:{campaign_id}:items"

    def review_order(self, campaign_id: str) -> str:
        """List: the campaign's token ids in display order (by name), for paging."""
        return f"{self._p}:review:{campaign_id}:order"

    def review_open(self, registry_id: str) -> str:
        """String: the id of the registry's open campaign (one at a time)."""
        return f"{self._p}:review:open:{registry_id}"

    def review_last(self, registry_id: str) -> str:
        """String: epoch ms when the registry's latest campaign started (the schedule)."""
        return f"{self._p}:review:last:{registry_id}"

    def reviews_of(self, registry_name: str) -> str:
        """Sorted set: a registry's campaign ids by start time (epoch ms)."""
        return f"{self._p}:reviews:{registry_name}"

    def reviews_due(self) -> str:
        """Sorted set: open campaign ids by due time (epoch ms)."""
        return f"{self._p}:reviews:due"

    def reviews_unfinished(self) -> str:
        """Set: closed campaign ids that still have tokens not reviewed (the digest lists them)."""
        return f"{self._p}:reviews:unfinished"

    def token_reviewed(self, token_id: str) -> str:
        """String: ISO time the token was last reviewed."""
        return f"{self._p}:token:{token_id}:reviewed"

    def owner_active(self, user_id: str) -> str:
        """String: Slack said recently that this owner's account is active (a cache)."""
        return f"{self._p}:owner:{user_id}:active"

    def owner_left_sent(self, token_id: str, owner: str) -> str:
        """String (send-once ledger): the approvers were told the token's owner left."""
        return f"{self._p}:owner-left:{token_id}:{owner}"

    def ionos_pace(self) -> str:
        """String: the next free start slot of the IONOS budget all replicas share
        (microseconds since the epoch, Redis's clock)."""
        return f"{self._p}:ionos:pace"

    # caches -----------------------------------------------------------------------------
    def usergroup_members(self, group_id: str) -> str:
        return f"{self._p}:ugroup:{group_id}"

    def pattern(self) -> str:
        """A SCAN pattern matching every key of this namespace."""
        return f"{self._p}:*"
