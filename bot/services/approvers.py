"""Who may decide on a registry's requests: the policy's user ids plus its user groups' members.

Group membership is asked of Slack (through the `UserGroups` port) when someone clicks, and kept
in-process for ``policy.usergroup_cache_seconds`` so that a burst of clicks, or one look at many
registries, costs one lookup per group. A failed lookup is not cached; it becomes
`CouldNotVerify`, which the calling service audits as a refusal (`check`) before the person is
told to try again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.errors import CouldNotVerify, UnknownRegistry
from bot.domain.models import TokenRequest
from bot.policy.fields import GROUP_ID_RE
from bot.policy.model import Policy, RegistryPolicy
from bot.services.ports import UserGroups
from bot.services.singleflight import SingleFlight


class ApproverDirectory:
    def __init__(self, policy: Policy, groups: UserGroups, clock: Clock) -> None:
        self._policy = policy
        self._groups = groups
        self._clock = clock
        self._cache: dict[str, tuple[datetime, frozenset[str]]] = {}
        # one Slack lookup per group at a time: a burst of clicks on a cold cache shares it
        # (usergroups.users.list is a tier-2 method, about 20 calls a minute)
        self._fetching: SingleFlight[str, frozenset[str]] = SingleFlight()

    async def is_approver(self, user_id: str, registry_name: str) -> bool:
        """True when the user is named in the registry's approvers or is in one of its groups.

        A registry nobody may approve (not listed, and the defaults name no approvers) has no
        approvers: False.
        """
        registry = self._registry(registry_name)
        if registry is None:
            return False
        if user_id in registry.approver_users:
            return True  # no need to ask Slack about groups
        for group_id in registry.approver_groups:
            try:
                members = await self._members(group_id)
            except Exception as exc:  # the port's failure, whatever the adapter raises
                raise CouldNotVerify(registry_name, f"user group {group_id}: {exc!r}") from exc
            if user_id in members:
                return True
        return False

    async def check(
        self,
        user_id: str,
        registry_name: str,
        *,
        refuse: Callable[[str], Awaitable[object]],
        request: TokenRequest | None = None,
    ) -> bool:
        """`is_approver` (`may_decide` when deciding `request`); when Slack cannot tell, the
        refusal is audited through `refuse` (given the detail, which says "could not verify")
        and `CouldNotVerify` raised."""
        try:
            if request is not None:
                return await self.may_decide(user_id, request)
            return await self.is_approver(user_id, registry_name)
        except CouldNotVerify as exc:
            await refuse(f"could not verify that {user_id} approves {registry_name}: {exc.reason}")
            raise

    async def is_among(self, user_id: str, ids: Iterable[str], *, about: str = "") -> bool:
        """True when the user is one of `ids` (user ids) or a member of one (group ids).

        A failed group lookup is `CouldNotVerify` (about the registry `about`), as in
        `is_approver`: the caller refuses — audited — rather than guess."""
        ids = tuple(ids)
        if user_id in ids:
            return True
        for group_id in (i for i in ids if GROUP_ID_RE.match(i)):
            try:
                members = await self._members(group_id)
            except Exception as exc:  # the port's failure, whatever the adapter raises
                raise CouldNotVerify(about, f"user group {group_id}: {exc!r}") from exc
            if user_id in members:
                return True
        return False

    async def may_decide(self, user_id: str, request: TokenRequest) -> bool:
        """An approver of the request's registry, or — once the request was escalated, and for
        that request only — one of the registry's backup approvers (``escalation.approvers``)."""
        if await self.is_approver(user_id, request.ask.registry_name):
            return True
        registry = self._registry(request.ask.registry_name)
        if request.escalated_at is None or registry is None or registry.escalation is None:
            return False
        return await self.is_among(
            user_id, registry.escalation.approvers, about=request.ask.registry_name
        )

    async def approvers_of(self, registry_name: str) -> frozenset[str]:
        """Every user who may approve: explicit ids plus the members of the approver groups.

        Raises `UnknownRegistry` when the policy has no approvers for this registry.
        """
        registry = self._policy.for_registry(registry_name)
        users = set(registry.approver_users)
        for group_id in registry.approver_groups:
            users |= await self._members(group_id)
        return frozenset(users)

    async def registries_of(self, user_id: str, registry_names: Iterable[str]) -> list[str]:
        """The registries among `registry_names` this user approves, in the order given."""
        found: list[str] = []
        for name in dict.fromkeys(registry_names):
            if await self.is_approver(user_id, name):
                found.append(name)
        return found

    def invalidate(self) -> None:
        """Forget every cached group membership (the next check asks Slack again)."""
        self._cache.clear()

    def _registry(self, registry_name: str) -> RegistryPolicy | None:
        try:
            return self._policy.for_registry(registry_name)
        except UnknownRegistry:
            return None

    async def _members(self, group_id: str) -> frozenset[str]:
        now = self._clock.now()
        cached = self._cache.get(group_id)
        if cached is not None and now < cached[0]:
            return cached[1]
        members = await self._fetching.run(group_id, lambda: self._groups.members(group_id))
        ttl = self._policy.usergroup_cache_ttl
        if ttl:
            self._cache[group_id] = (self._clock.now() + ttl, members)
        return members
