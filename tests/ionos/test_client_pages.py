"""Pagination over real HTTP: every token of a big registry, registry cursors, lookups."""

from __future__ import annotations

from bot.devtools.ionos import FakeIonos
from tests.ionos.clients import calls, open_client


def _fill(fake: FakeIonos, count: int) -> str:
    registry = fake.add_registry("big-registry")
    for i in range(count):
        fake.add_token(registry.id, f"tok-{i:05d}")
    return registry.id


async def test_iter_tokens_sees_every_one_of_1050_tokens(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    rid = _fill(fake_ionos, 1050)
    async with open_client(ionos_url) as ionos:
        names = [token.name async for token in ionos.iter_tokens(rid, page_size=100)]
    assert sorted(names) == sorted(t.name for t in fake_ionos.tokens(rid))
    assert len(set(names)) == 1050
    lists = calls(fake_ionos, "GET", "/tokens")
    assert len(lists) == 11  # ten full pages and one of 50, no extra empty request
    assert [r.query["offset"] for r in lists] == [str(100 * i) for i in range(11)]


async def test_iter_token_pages_counts_pages_and_ends_at_total(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    rid = _fill(fake_ionos, 1000)
    async with open_client(ionos_url) as ionos:
        pages = [page async for page in ionos.iter_token_pages(rid, page_size=250)]
    assert [page.count for page in pages] == [250, 250, 250, 250]
    assert {page.total for page in pages} == {1000}


async def test_a_server_cap_on_limit_does_not_truncate(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    rid = _fill(fake_ionos, 1200)  # the stand-in caps limit at 1000
    async with open_client(ionos_url) as ionos:
        pages = [page async for page in ionos.iter_token_pages(rid, page_size=5000)]
        tokens = [token async for token in ionos.iter_tokens(rid, page_size=5000)]
    assert [page.count for page in pages] == [1000, 200]
    assert len({t.id for t in tokens}) == 1200


async def test_empty_registry_is_one_request(fake_ionos: FakeIonos, ionos_url: str) -> None:
    registry = fake_ionos.add_registry("empty-registry")
    async with open_client(ionos_url) as ionos:
        assert [t async for t in ionos.iter_tokens(registry.id)] == []
    assert len(calls(fake_ionos, "GET", "/tokens")) == 1


async def test_tokens_deleted_mid_walk_end_the_walk(fake_ionos: FakeIonos, ionos_url: str) -> None:
    rid = _fill(fake_ionos, 300)
    async with open_client(ionos_url) as ionos:
        counts: list[int] = []
        async for page in ionos.iter_token_pages(rid, page_size=100):
            counts.append(page.count)
            if len(counts) == 1:  # the registry shrinks under the walker
                registry = fake_ionos.registry(rid)
                assert registry is not None
                for token in fake_ionos.tokens(rid)[:250]:
                    del registry.tokens[token.id]
    assert counts == [100, 0]  # offset 100 is past the new total: one empty page, then done
    assert len(calls(fake_ionos, "GET", "/tokens")) == 2


async def test_tokens_added_mid_walk_end_the_walk(fake_ionos: FakeIonos, ionos_url: str) -> None:
    rid = _fill(fake_ionos, 200)
    async with open_client(ionos_url) as ionos:
        seen: list[str] = []
        async for token in ionos.iter_tokens(rid, page_size=100):
            seen.append(token.id)
            if len(seen) == 50:
                fake_ionos.add_token(rid, "late-comer")
    assert len(seen) == len(set(seen)) == 201


async def test_find_token_walks_the_pages(fake_ionos: FakeIonos, ionos_url: str) -> None:
    rid = _fill(fake_ionos, 450)
    async with open_client(ionos_url) as ionos:
        found = await ionos.find_token(rid, "tok-00444")
        missing = await ionos.find_token(rid, "tok-0044")
    assert found is not None
    assert found.name == "tok-00444"
    assert missing is None


async def test_iter_registries_follows_the_cursor(fake_ionos: FakeIonos, ionos_url: str) -> None:
    created = {fake_ionos.add_registry(f"reg-{i:02d}").id for i in range(25)}
    async with open_client(ionos_url) as ionos:
        seen = [r.id async for r in ionos.iter_registries(page_size=10)]
    assert sorted(seen) == sorted(created)
    lists = calls(fake_ionos, "GET", "/registries")
    assert len(lists) == 3
    assert "pagination.token" not in lists[0].query
    assert all(r.query.get("pagination.token") for r in lists[1:])


async def test_find_registry_is_exact_although_the_filter_is_a_substring(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    for name in ("team-a", "team-a-staging", "team-b"):
        fake_ionos.add_registry(name)
    async with open_client(ionos_url) as ionos:
        found = await ionos.find_registry("team-a")
        missing = await ionos.find_registry("team")
        assert found is not None
        again = await ionos.get_registry(found.id)
    assert found.name == "team-a"
    assert missing is None
    assert again == found
    assert calls(fake_ionos, "GET", "/registries")[0].query["filter.name"] == "team-a"
