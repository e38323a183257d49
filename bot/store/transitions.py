"""Running one request transition script and reading its answer (shared by the request store
and the lifecycle store; the script conventions are in ``lua/request.lua``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.audit import Refusal
from bot.domain.models import TokenRequest
from bot.store.codec import as_str, load_result, pairs, request_from_hash, to_iso
from bot.store.keys import Keys
from bot.store.replication import WaitedScript


@dataclass(frozen=True)
class Transition:
    applied: bool
    request: TokenRequest | None
    refusal: Refusal | None = None
    approvals: int = 0
    detail: str = ""  # for a refusal: what the request had become ("already approved by U1 at …")


@dataclass(frozen=True)
class Stepper:
    """Calls transition scripts with the prelude's KEYS and ARGV (see ``lua/request.lua``)."""

    keys: Keys
    maxlen: int
    retention_ms: int

    async def run(
        self,
        script: WaitedScript,
        request_id: str,
        actor: str,
        at: datetime,
        op_id: str,
        *extra: Any,
        extra_keys: list[str] | None = None,
    ) -> Transition:
        keys = [
            self.keys.request(request_id),
            self.keys.request_approvals(request_id),
            self.keys.audit_stream(),
            self.keys.audit_head(),
            self.keys.pending_index(),
            *(extra_keys or []),
        ]
        args = [op_id, actor, to_iso(at), self.maxlen, self.retention_ms, *extra]
        result_text, fields, approvals = await script(keys=keys, args=args)
        result = load_result(as_str(result_text))
        request = request_from_hash(pairs(fields), approvals) if fields else None
        return Transition(
            applied=bool(result["applied"]),
            request=request,
            refusal=Refusal(result["refusal"]) if result["refusal"] else None,
            approvals=int(result["approvals"]),
            detail=str(result["detail"]),
        )
