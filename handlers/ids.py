"""Every callback_id, action_id and block_id, shared by view builders and registrations."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    REQUEST_MODAL = "regbot.request"
    REVIEW_MODAL = "regbot.review"
    LOADING_MODAL = "regbot.loading"
    EXTEND_MODAL = "regbot.extend"
    BREAKGLASS_MODAL = "regbot.breakglass"
    HOME_LIST_MODAL = "regbot.home.list"  # "Show all" of one Home section, paged
    ACCESS_REVIEW_MODAL = "regbot.access_review"  # the paged list of a review campaign
    ADOPT_MODAL = "regbot.adopt"  # /regtoken adopt: pick the token's owner


class ActionId(StrEnum):
    # the request modal
    REGISTRY = "regbot.registry"
    ADD_SCOPE = "regbot.scope.add"
    # approval message in the approvers' channel
    REVIEW = "regbot.review"
    APPROVE = "regbot.approve"
    DENY = "regbot.deny"
    # the requester's DM
    COLLECT = "regbot.collect"
    # token management
    CONFIRM_DELETE = "regbot.delete.confirm"
    CANCEL_DELETE = "regbot.delete.cancel"
    # reminders and the token lifecycle (value: "<registry_id>:<token_id>")
    EXTEND = "regbot.token.extend"
    ROTATE = "regbot.token.rotate"
    DISABLE_NOW = "regbot.token.disable"
    ENABLE_NOW = "regbot.token.enable"
    DELETE_NOW = "regbot.token.delete"
    SWITCHED = "regbot.token.switched"  # rotation: "I've switched" (value: request id)
    RETRY_EXTEND = "regbot.token.extend.retry"  # IONOS refused an approved extension (request id)
    # break-glass post-hoc review (value: request id)
    BREAKGLASS_ACK = "regbot.breakglass.ack"
    BREAKGLASS_REVOKE = "regbot.breakglass.revoke"
    # withdrawing a request (DM, Home): value is the request id
    CANCEL_REQUEST = "regbot.request.cancel"
    # the Home tab
    HOME_REQUEST = "regbot.home.request"  # opens the request modal
    HOME_SHOW_ALL = "regbot.home.all"  # value: a `HomeSection`; opens the paged modal
    HOME_PAGE = "regbot.home.page"  # in that modal; value: "<section>:<page>"
    # access reviews (values: "<campaign_id>" or "<campaign_id>:<token_id>")
    REVIEW_TOKENS = "regbot.access_review.open"
    REVIEW_KEEP = "regbot.access_review.keep"
    REVIEW_DISABLE = "regbot.access_review.disable"
    REVIEW_DELETE = "regbot.access_review.delete"
    REVIEW_PREV = "regbot.access_review.prev"
    REVIEW_NEXT = "regbot.access_review.next"
    # a user select; its block id carries the token: "assign_owner:<registry_id>:<token_id>"
    ASSIGN_OWNER = "regbot.owner.assign"
    # inputs (action ids inside input blocks)
    INPUT = "value"


class BlockId(StrEnum):
    REGISTRY = "registry"
    TOKEN_NAME = "token_name"
    EXPIRY = "expiry"
    REASON = "reason"
    DECISION = "decision"
    COMMENT = "comment"
    SCOPES_ACTIONS = "scope_actions"
    APPROVAL_ACTIONS = "approval_actions"
    COLLECT_ACTIONS = "collect_actions"
    LIFECYCLE_ACTIONS = "lifecycle_actions"  # switched / retry buttons in DMs
    REMINDER_ACTIONS = "reminder_actions"
    BREAKGLASS_ACTIONS = "breakglass_actions"

    HOME_INTRO = "home_intro"

    @staticmethod
    def home_row(section: str, key: str) -> str:
        """One item's buttons on Home or its "Show all" modal (unique within the view)."""
        return f"home_{section}_{key}"[:255]

    @staticmethod
    def home_more(section: str) -> str:
        return f"home_more_{section}"

    REVIEW_ACTIONS = "review_actions"  # the campaign message's Review tokens button
    REVIEW_PAGER = "review_pager"
    REVIEW_NOTICE = "review_notice"  # the answer to the last click, on top of the modal
    OWNER = "owner"  # the adopt modal's user select
    ASSIGN_OWNER_PREFIX = "assign_owner"

    @staticmethod
    def review_note(token_id: str) -> str:
        return f"review_note:{token_id}"

    @staticmethod
    def review_buttons(token_id: str) -> str:
        return f"review_buttons:{token_id}"

    @staticmethod
    def assign_owner(registry_id: str, token_id: str) -> str:
        return f"assign_owner:{registry_id}:{token_id}"

    @staticmethod
    def scope_repo(index: int) -> str:
        return f"scope_repo_{index}"

    @staticmethod
    def scope_actions(index: int) -> str:
        return f"scope_actions_{index}"
