"""The HTTP side of the IONOS stand-in: one middleware for faults, auth and recording, and the
handlers of the registry and token operations. State and rules live in `ionos_model`."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web
from yarl import URL

from bot.devtools.ionos_model import (
    ApiError,
    FakeRegistry,
    FakeToken,
    normalize_id,
    parse_token_input,
    parse_token_patch,
    parse_window,
    registry_json,
    token_json,
)

if TYPE_CHECKING:
    from bot.devtools.ionos import FakeIonos

LOCATIONS = ("de/fra", "de/txl", "es/vit", "gb/lhr", "fr/par")
_PRINCIPAL = web.RequestKey("principal", str)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


def _error(exc: ApiError) -> web.Response:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return _json(exc.status, exc.body(), headers)


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def build_app(fake: FakeIonos) -> web.Application:
    routes = _Routes(fake)
    app = web.Application(middlewares=[routes.exchange])
    app.router.add_get("/locations", routes.locations)
    app.router.add_get("/registries", routes.list_registries)
    app.router.add_get("/registries/{rid}", routes.get_registry)
    app.router.add_get("/registries/{rid}/tokens", routes.list_tokens)
    app.router.add_post("/registries/{rid}/tokens", routes.create_token)
    app.router.add_get("/registries/{rid}/tokens/{tid}", routes.get_token)
    app.router.add_put("/registries/{rid}/tokens/{tid}", routes.put_token)
    app.router.add_patch("/registries/{rid}/tokens/{tid}", routes.patch_token)
    app.router.add_delete("/registries/{rid}/tokens/{tid}", routes.delete_token)
    return app


class _Routes:
    def __init__(self, fake: FakeIonos) -> None:
        self.fake = fake

    # ---- the exchange: faults, auth, the operation, recording, hooks -----------------------

    @web.middleware
    async def exchange(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        knobs = self.fake.knobs
        arrived = asyncio.get_running_loop().time()
        if knobs.latency > 0 and not knobs.latency_includes_work:
            await asyncio.sleep(knobs.latency)
        rule = self.fake.faults.take_rule(knobs, request.method, request.path)
        drop = rule is not None and rule.drop_response
        try:
            if rule is not None and not rule.drop_response:
                raise self.fake.faults.rule_error(rule, knobs)
            self.fake.faults.admit(knobs)
            principal = self.fake.authenticate(request.headers.get("Authorization", ""))
            if principal is None:
                raise ApiError(401, "UNAUTHORIZED", "missing or invalid credentials")
            request[_PRINCIPAL] = principal
            response: web.StreamResponse = await handler(request)
        except ApiError as exc:
            response = _error(exc)
        except web.HTTPException as exc:  # no such route or method: answer in the API's shape
            response = _error(
                ApiError(exc.status, exc.reason.upper().replace(" ", "_"), exc.reason)
            )
        if knobs.latency > 0 and knobs.latency_includes_work:
            left = knobs.latency - (asyncio.get_running_loop().time() - arrived)
            if left > 0:
                await asyncio.sleep(left)
        response_body = _body_of(response)
        self.fake.record(request, body, response.status, dropped=drop)
        if drop:
            # The operation happened; the answer is lost. Closing the transport before aiohttp
            # writes anything leaves the client with "server disconnected".
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError
        for hook in self.fake.exchange_hooks:
            hook(request, body, response, response_body)
        return response

    # ---- lookups ---------------------------------------------------------------------------

    def _registry(self, request: web.Request) -> FakeRegistry:
        rid = normalize_id(request.match_info["rid"], "registryId")
        registry = self.fake.registry(rid)
        if registry is None:
            raise ApiError(404, "NOT_FOUND", f"registry {rid} not found")
        return registry

    def _token(self, request: web.Request, registry: FakeRegistry) -> FakeToken:
        tid = normalize_id(request.match_info["tid"], "tokenId")
        token = self.fake.token(registry.id, tid)
        if token is None:
            raise ApiError(404, "NOT_FOUND", f"token {tid} not found")
        return token

    @staticmethod
    async def _body(request: web.Request) -> Any:
        try:
            return json.loads(await request.read())
        except ValueError:
            raise ApiError(400, "INVALID_BODY", "the body is not valid JSON") from None

    @staticmethod
    def _href(request: web.Request, registry: FakeRegistry, token: FakeToken | None) -> str:
        base = f"{_origin(request)}/registries/{registry.id}/tokens"
        return base if token is None else f"{base}/{token.id}"

    # ---- registries ------------------------------------------------------------------------

    async def locations(self, request: web.Request) -> web.Response:
        items = [{"id": loc} for loc in LOCATIONS]
        href = f"{_origin(request)}/locations"
        return _json(200, {"id": "locations", "type": "collection", "href": href, "items": items})

    async def list_registries(self, request: web.Request) -> web.Response:
        start = _decode_cursor(request.query.get("pagination.token", ""))
        _, limit = parse_window(
            {"limit": request.query.get("limit", "100")}, max_limit=self.fake.max_limit
        )
        wanted = request.query.get("filter.name", "").lower()
        found = [r for r in self.fake.registries() if wanted in r.name.lower()]
        page = found[start : start + limit]
        base = f"{_origin(request)}/registries"

        def link(at: int) -> str:
            query = {"limit": str(limit), "pagination.token": _encode_cursor(at)}
            if wanted:
                query["filter.name"] = wanted
            return str(URL(base).with_query(query))

        more = start + limit < len(found)
        return _json(
            200,
            {
                "id": "registries",
                "type": "collection",
                "href": base,
                "items": [registry_json(r, f"{base}/{r.id}") for r in page],
                "pagination": {
                    "limit": limit,
                    "token": _encode_cursor(start + limit) if more else "",
                },
                "_links": {
                    "self": link(start),
                    "next": link(start + limit) if more else "",
                    "previous": link(max(0, start - limit)) if start > 0 else "",
                },
            },
        )

    async def get_registry(self, request: web.Request) -> web.Response:
        registry = self._registry(request)
        return _json(200, registry_json(registry, f"{_origin(request)}/registries/{registry.id}"))

    # ---- tokens ----------------------------------------------------------------------------

    async def list_tokens(self, request: web.Request) -> web.Response:
        registry = self._registry(request)
        offset, limit = parse_window(request.query, max_limit=self.fake.max_limit)
        tokens = self.fake.tokens(registry.id)
        page = tokens[offset : offset + limit]
        base = self._href(request, registry, None)

        def link(at: int) -> str:
            return f"{base}?offset={at}&limit={limit}"

        return _json(
            200,
            {
                "id": f"{registry.id}/tokens",
                "type": "collection",
                "href": base,
                "items": [token_json(t, self._href(request, registry, t)) for t in page],
                "offset": offset,
                "limit": limit,
                "count": len(page),
                "total": len(tokens),
                "_links": {
                    "self": link(offset),
                    "next": link(offset + limit) if offset + limit < len(tokens) else "",
                    "previous": link(max(0, offset - limit)) if offset > 0 else "",
                },
            },
        )

    async def create_token(self, request: web.Request) -> web.Response:
        registry = self._registry(request)
        fields = parse_token_input(await self._body(request), self.fake.clock.now())
        token = self.fake.create_token(registry, fields, request[_PRINCIPAL])
        return self._created(request, registry, token, with_password=True)

    async def get_token(self, request: web.Request) -> web.Response:
        registry = self._registry(request)
        token = self._token(request, registry)
        return _json(200, token_json(token, self._href(request, registry, token)))

    async def put_token(self, request: web.Request) -> web.Response:
        registry = self._registry(request)
        tid = normalize_id(request.match_info["tid"], "tokenId")
        fields = parse_token_input(await self._body(request), self.fake.clock.now())
        existing = self.fake.token(registry.id, tid)
        if existing is None:
            token = self.fake.create_token(registry, fields, request[_PRINCIPAL], token_id=tid)
            return self._created(request, registry, token, with_password=True)
        if fields.name != existing.name:
            raise ApiError(400, "NAME_IMMUTABLE", "the name of a token cannot be changed")
        token = self.fake.update_token(existing, fields, request[_PRINCIPAL], replace=True)
        return self._created(request, registry, token, with_password=False)

    async def patch_token(self, request: web.Request) -> web.Response:
        registry = self._registry(request)
        token = self._token(request, registry)
        fields = parse_token_patch(await self._body(request), self.fake.clock.now())
        self.fake.update_token(token, fields, request[_PRINCIPAL], replace=False)
        return _json(200, token_json(token, self._href(request, registry, token)))

    async def delete_token(self, request: web.Request) -> web.Response:
        registry = self._registry(request)
        token = self._token(request, registry)
        del registry.tokens[token.id]
        return web.Response(status=204)

    def _created(
        self, request: web.Request, registry: FakeRegistry, token: FakeToken, *, with_password: bool
    ) -> web.Response:
        href = self._href(request, registry, token)
        body = token_json(token, href, with_password=with_password)
        return _json(201, body, {"Location": href})


def _body_of(response: web.StreamResponse) -> bytes:
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        return response.body
    return b""


def _encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"start": index}).encode()).decode().rstrip("=")


def _decode_cursor(raw: str) -> int:
    if not raw:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        start = data["start"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiError(400, "INVALID_PAGINATION", "pagination.token is not valid") from None
    if not isinstance(start, int) or start < 0:
        raise ApiError(400, "INVALID_PAGINATION", "pagination.token is not valid")
    return start


__all__ = ["LOCATIONS", "build_app"]
