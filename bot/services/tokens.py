"""Looking after existing tokens: list, show, disable, enable, delete, and the audit trail.

Allowed for a token's owner (from the ownership records) and its registry's approvers;
every refusal and every change is audited, and an owner whose token an approver changed is told
by DM (`OwnerNotices`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.audit import AuditAction, Outcome
from bot.domain.clock import Clock
from bot.domain.errors import CouldNotVerify, NotAllowed, ServiceUnavailable, UnknownToken
from bot.ionos.errors import IonosError, NotFound
from bot.ionos.models import Registry, Token, TokenPatch, TokenStatus
from bot.services.approvers import ApproverDirectory
from bot.services.catalog import RegistryCatalog, looks_like_id
from bot.services.owner_notices import OwnerNotices
from bot.services.ports import (
    AuditRecord,
    AuditTrail,
    OwnerChange,
    OwnershipRepository,
    TokensApi,
)
from bot.services.singleflight import SingleFlight

SYSTEM_ACTOR = "regbot"  # the audit's actor for the bot itself, as the stores write it
LIST_LIMIT = 200
WALK_LIMIT = 5000  # tokens read for one listing; past it the listing says it is partial
AUDIT_NAME_SCAN = 500  # entries searched for a deleted token's name


@dataclass(frozen=True)
class TokenView:
    """A token as people see it: where it lives and who owns it (when regbot made it)."""

    registry: Registry
    token: Token
    owner: str | None


@dataclass(frozen=True)
class TokenListing:
    tokens: list[TokenView]
    registry: Registry | None  # the registry listed, or None for "my tokens"
    truncated: bool = False
    gone: int = 0  # owned tokens IONOS no longer has (deleted at expiry)


class TokenService:
    def __init__(
        self,
        *,
        api: TokensApi,
        catalog: RegistryCatalog,
        ownership: OwnershipRepository,
        audit: AuditTrail,
        approvers: ApproverDirectory,
        clock: Clock,
        owners: OwnerNotices | None = None,
    ) -> None:
        self._owners = owners
        self._api = api
        self._catalog = catalog
        self._ownership = ownership
        self._audit = audit
        self._approvers = approvers
        self._clock = clock
        self._listings: SingleFlight[str, tuple[list[tuple[Token, str | None]], bool]] = (
            SingleFlight()
        )

    async def list_tokens(self, actor: str, registry_name: str | None = None) -> TokenListing:
        if registry_name is None:
            return await self._mine(actor)
        registry = await self._catalog.resolve(registry_name)
        everyone = await self._approvers.is_approver(actor, registry.name)
        owned, complete = await self._listings.run(registry.id, lambda: self._walk(registry))
        views = [
            TokenView(registry, token, owner)
            for token, owner in owned
            if everyone or owner == actor
        ]
        truncated = len(views) > LIST_LIMIT or not complete
        return TokenListing(views[:LIST_LIMIT], registry, truncated)

    async def _walk(self, registry: Registry) -> tuple[list[tuple[Token, str | None]], bool]:
        """Every token of the registry with its owner (up to `WALK_LIMIT`), and whether that
        is all of them. People listing one registry at once share one walk."""
        owned: list[tuple[Token, str | None]] = []
        async for page in self._api.iter_token_pages(registry.id):
            tokens = page.items or []
            owners = await self._ownership.owners_of([t.id for t in tokens])
            owned.extend((token, owners.get(token.id)) for token in tokens)
            if len(owned) >= WALK_LIMIT:
                return owned[:WALK_LIMIT], False
        return owned, True

    async def _mine(self, actor: str) -> TokenListing:
        views: list[TokenView] = []
        gone = 0
        for owned in await self._ownership.of_user(actor):
            try:
                registry = await self._catalog.resolve(owned.registry_id)
                token = await self._api.get_token(owned.registry_id, owned.token_id)
            except NotFound:  # IONOS deleted it (at expiry) or someone did outside regbot
                gone += 1
                await self._audit.append(
                    at=self._clock.now(),
                    actor=SYSTEM_ACTOR,
                    action=AuditAction.DELETED,
                    outcome=Outcome.OK,
                    registry=owned.registry_id,
                    token=owned.token_id,
                    detail=f"token {owned.token_name}: gone from IONOS; ownership record cleared",
                )
                await self._ownership.forget(owned.token_id)
                continue
            except IonosError as exc:
                raise ServiceUnavailable(f"The IONOS API failed: {exc.summary}") from None
            views.append(TokenView(registry, token, actor))
        return TokenListing(views, None, gone=gone)

    async def _permitted(
        self, actor: str, registry_ref: str, token_ref: str, verb: str
    ) -> TokenView:
        """The token, if `actor` may `verb` it. Approvers find any token of the registry; anyone
        else only among their own tokens — so a member never makes regbot walk the registry,
        and "no such token" and "not yours" are one answer to them (no existence oracle)."""
        registry = await self._catalog.resolve(registry_ref)

        async def unverified(detail: str) -> None:
            await self._refuse(
                actor, registry.id, f"{verb}: {detail}", token=_id_or_empty(token_ref)
            )

        if await self._approvers.check(actor, registry.name, refuse=unverified):
            token = await self._catalog.resolve_token(registry, token_ref)
            owned = await self._ownership.get(token.id)
            return TokenView(registry, token, owned.owner if owned else None)
        wanted = token_ref.strip()
        wanted = wanted.lower() if looks_like_id(wanted) else wanted
        mine = next(
            (
                o
                for o in await self._ownership.of_user(actor)
                if o.registry_id == registry.id and wanted in (o.token_name, o.token_id.lower())
            ),
            None,
        )
        if mine is None:
            await self._refuse(
                actor,
                registry.id,
                f"{verb}: not the owner nor an approver (token {wanted})",
                token=_id_or_empty(wanted),
            )
            raise NotAllowed(
                f"Only the token's owner and the approvers of `{registry.name}` can {verb} it, "
                f"and you own no token `{wanted}` there."
            )
        try:
            token = await self._api.get_token(registry.id, mine.token_id)
        except NotFound:
            await self._ownership.forget(mine.token_id)
            raise UnknownToken(
                f"Your token `{mine.token_name}` is gone from `{registry.name}` "
                "(it may have expired)."
            ) from None
        return TokenView(registry, token, actor)

    async def show(self, actor: str, registry_ref: str, token_ref: str) -> TokenView:
        return await self._permitted(actor, registry_ref, token_ref, "see")

    async def check(self, actor: str, registry_ref: str, token_ref: str, verb: str) -> TokenView:
        """The token, if `actor` may `verb` it (extend, rotate): its owner or an approver.
        A refusal is audited with the verb."""
        return await self._permitted(actor, registry_ref, token_ref, verb)

    async def check_delete(self, actor: str, registry_ref: str, token_ref: str) -> TokenView:
        """Permission for the confirm step of a delete (nothing changes yet)."""
        return await self._permitted(actor, registry_ref, token_ref, "delete")

    async def set_status(
        self, actor: str, registry_ref: str, token_ref: str, status: TokenStatus
    ) -> TokenView:
        verb = "enable" if status is TokenStatus.ENABLED else "disable"
        view = await self._permitted(actor, registry_ref, token_ref, verb)
        if status is TokenStatus.ENABLED and view.owner == actor:
            await self._owner_may_enable(view, actor)
        action = AuditAction.ENABLED if status is TokenStatus.ENABLED else AuditAction.DISABLED
        try:
            token = await self._api.patch_token(
                view.registry.id, view.token.id, TokenPatch(status=status)
            )
        except IonosError as exc:
            await self._record(view, actor, action, Outcome.FAILED, exc.summary)
            raise ServiceUnavailable(f"IONOS could not {verb} the token: {exc.summary}") from None
        await self._record(view, actor, action, Outcome.OK, "")
        await self._tell_owner(view, actor, f"{verb}d")
        return TokenView(view.registry, token, view.owner)

    async def _owner_may_enable(self, view: TokenView, actor: str) -> None:
        """An owner switches on again only what they switched off: a token someone else
        disabled (an approver, an access review, a rotation) is enabled by another approver,
        or "disable" would be void. Refused in words and audited."""
        if view.token.status is not TokenStatus.DISABLED:
            return
        by = await self._disabled_by(view)
        if by is None or by == actor:
            return
        await self._refuse(
            actor,
            view.registry.id,
            f"enable: disabled by {by}, not by its owner",
            token=view.token.id,
        )
        who = "regbot" if by == SYSTEM_ACTOR else f"<@{by}>"
        raise NotAllowed(
            f"`{view.token.name}` was disabled by {who}: only another approver of "
            f"`{view.registry.name}` can enable it again.",
            people=() if by == SYSTEM_ACTOR else (by,),
        )

    async def _disabled_by(self, view: TokenView) -> str | None:
        """Who made the token's last change to disabled through regbot (None: not regbot)."""
        entries = await self._audit.latest(
            AUDIT_NAME_SCAN, registry=view.registry.id, token=view.token.id
        )
        for entry in entries:  # newest first
            if entry.outcome != Outcome.OK:
                continue
            if entry.action == AuditAction.ENABLED:
                return None
            if entry.action == AuditAction.DISABLED:
                return entry.actor
            if entry.action == AuditAction.REVIEWED and entry.detail.startswith(
                "reviewed: disable "
            ):
                return entry.actor
        return None

    async def delete(self, actor: str, registry_ref: str, token_ref: str) -> TokenView:
        view = await self._permitted(actor, registry_ref, token_ref, "delete")
        try:
            await self._api.delete_token(view.registry.id, view.token.id)
        except NotFound:
            pass  # already gone: the outcome the person asked for
        except IonosError as exc:
            await self._record(view, actor, AuditAction.DELETED, Outcome.FAILED, exc.summary)
            raise ServiceUnavailable(f"IONOS could not delete the token: {exc.summary}") from None
        await self._record(view, actor, AuditAction.DELETED, Outcome.OK, "")
        await self._ownership.forget(view.token.id)
        await self._tell_owner(view, actor, "deleted")
        return view

    async def _tell_owner(self, view: TokenView, actor: str, what: str) -> None:
        if self._owners is None or view.owner is None:
            return
        change = OwnerChange(view.owner, actor, view.registry.name, view.token.name, what)
        await self._owners.tell(change, registry_id=view.registry.id, token_id=view.token.id)

    async def _record(
        self, view: TokenView, actor: str, action: AuditAction, outcome: Outcome, detail: str
    ) -> None:
        await self._audit.append(
            at=self._clock.now(),
            actor=actor,
            action=action,
            outcome=outcome,
            registry=view.registry.id,
            token=view.token.id,
            detail=f"token {view.token.name}: {detail}" if detail else f"token {view.token.name}",
        )

    async def audit_trail(
        self, actor: str, registry_ref: str | None = None, token_ref: str | None = None
    ) -> Sequence[AuditRecord]:
        """The latest audit entries of the registries `actor` approves (all of them, or the
        one named). Only the operator CLI (`regbot audit export`) reads every registry's."""
        if registry_ref is None:
            registries = await self._catalog.registries()
            try:
                mine = set(await self._approvers.registries_of(actor, [r.name for r in registries]))
            except CouldNotVerify as exc:
                await self._refuse(actor, "", f"audit: could not verify approver: {exc.reason}")
                raise
            if not mine:
                await self._refuse(actor, "", "audit: not an approver of any registry")
                raise NotAllowed("The audit trail is for approvers.")
            return await self._audit.latest(
                20, registries=[r.id for r in registries if r.name in mine]
            )
        registry = await self._catalog.resolve(registry_ref)

        async def unverified(detail: str) -> None:
            await self._refuse(actor, registry.id, f"audit: {detail}")

        if not await self._approvers.check(actor, registry.name, refuse=unverified):
            await self._refuse(actor, registry.id, "audit: not an approver")
            raise NotAllowed(f"The audit trail of `{registry.name}` is for its approvers.")
        token_id = None
        if token_ref is not None:
            token_id = await self._token_id_for_audit(registry, token_ref)
        return await self._audit.latest(20, registry=registry.id, token=token_id)

    async def _refuse(self, actor: str, registry_id: str, detail: str, *, token: str = "") -> None:
        await self._audit.append(
            at=self._clock.now(),
            actor=actor,
            action=AuditAction.REFUSED,
            outcome=Outcome.REFUSED,
            registry=registry_id,
            token=token,
            detail=detail,
        )

    async def _token_id_for_audit(self, registry: Registry, token_ref: str) -> str:
        """Audit entries name tokens by id. A deleted token keeps its trail: found by its id,
        or by its name through the entry that recorded its creation ("token <name>")."""
        with contextlib.suppress(UnknownToken):
            return (await self._catalog.resolve_token(registry, token_ref)).id
        created = f"token {token_ref}"
        for entry in await self._audit.latest(AUDIT_NAME_SCAN, registry=registry.id):
            if entry.action == AuditAction.CREATED and entry.detail == created:
                return entry.token
        return token_ref


def _id_or_empty(token_ref: str) -> str:
    """What a refusal records as the token: the id, when that is what was named."""
    wanted = token_ref.strip()
    return wanted.lower() if looks_like_id(wanted) else ""
