"""The audit vocabulary: what can happen to a request or a token, and how it ended."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    REQUESTED = "requested"
    APPROVAL_RECORDED = "approval_recorded"  # one of several approvals a quorum needs
    APPROVED = "approved"
    DENIED = "denied"
    CLAIMED = "claimed"  # the requester clicked to collect; creation starts
    CREATED = "created"
    CREATION_FAILED = "creation_failed"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    ROLLED_BACK = "rolled_back"  # a created token deleted again because delivery failed
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # the requester withdrew a pending or approved request
    DISABLED = "disabled"
    ENABLED = "enabled"
    DELETED = "deleted"
    EXTENDED = "extended"
    REMINDED = "reminded"  # an expiry reminder went out (to the owner, or the channel)
    NUDGED = "nudged"  # a pending request's approvers were reminded
    OWNER_TOLD = "owner_told"  # a token's owner was told by DM what someone else did to it
    REFUSED = "refused"  # a decision or action the rules did not allow
    ESCALATED = "escalated"  # an undecided request was put to the backup approvers
    ACKNOWLEDGED = "acknowledged"  # an approver reviewed a break-glass token and let it be
    REVOKED = "revoked"  # an approver revoked a break-glass token (disabled, then deleted)
    REVOKE_FAILED = "revoke_failed"  # IONOS did not take the revocation: it can be retried
    # access reviews and token owners (bot/services/reviews.py, bot/services/owners.py)
    REVIEW_STARTED = "review_started"
    REVIEWED = "reviewed"  # detail: "reviewed: keep|disable|delete by <user>, note: …"
    REVIEW_CLOSED = "review_closed"
    OWNER_ASSIGNED = "owner_assigned"
    OWNER_LEFT = "owner_left"  # the owner's Slack account is deactivated or unreachable


class Outcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    FAILED = "failed"


class Refusal(StrEnum):
    """Why a transition was not applied; the service turns each into words."""

    STALE = "stale"  # the request is past this step
    SELF_APPROVAL = "self_approval"
    ALREADY_APPROVED_BY_YOU = "already_approved_by_you"
    NOT_REQUESTER = "not_requester"
    NOT_APPROVER = "not_approver"
    UNVERIFIED = "unverified"  # whether the actor approves could not be checked (Slack failed)
    NOT_OWNER = "not_owner"
    UNKNOWN_REQUEST = "unknown_request"
    EXPIRED = "expired"
    IN_PROGRESS = "in_progress"  # another click is collecting this request right now
    WIDER_THAN_REQUESTED = "wider_than_requested"  # a "narrowing" that widens the request
    STALE_VIEW = "stale_view"  # a narrowing made from a version another approver changed
    EXTENSION_SCOPES = "extension_scopes"  # a scope change on an extension (it sets the expiry)
    NAME_TAKEN = "name_taken"  # the token name is held by another request or token
    TOO_MANY_OPEN = "too_many_open"  # max_open_requests_per_user reached
