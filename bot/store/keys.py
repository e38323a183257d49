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

    def approved_index(self) -> str:
        """Sorted set: approved, not yet collected request ids by decision time (epoch ms)."""
        return f"{self._p}:approved"

    def rotations(self) -> str:
        """Sorted set: collected rotations whose old token still needs a step (disable, then
        delete), scored by when that step is due (epoch ms)."""
        return f"{self._p}:rotations"

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
