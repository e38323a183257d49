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
    DISABLED = "disabled"
    ENABLED = "enabled"
    DELETED = "deleted"
    EXTENDED = "extended"
    REMINDED = "reminded"  # an expiry reminder went out (to the owner, or the channel)
    NUDGED = "nudged"  # a pending request's approvers were reminded
    REFUSED = "refused"  # a decision or action the rules did not allow
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
    NOT_OWNER = "not_owner"
    UNKNOWN_REQUEST = "unknown_request"
    EXPIRED = "expired"
    IN_PROGRESS = "in_progress"  # another click is collecting this request right now
    WIDER_THAN_REQUESTED = "wider_than_requested"  # a "narrowing" that widens the request
