"""The IONOS client behind a proxy: HTTPS_PROXY / HTTP_PROXY and NO_PROXY as curl reads them,
looked up once at start (#17: aiohttp's ``trust_env`` cost two thread hops per call), the
proxy's credentials in Proxy-Authorization, and a ~/.netrc that cannot break the calls.

The proxy is a real forward proxy on loopback in front of the IONOS stand-in."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.devtools.ionos import FakeIonos
from bot.runtime.clients import ionos_client
from bot.runtime.ionos_transport import proxy_for
from bot.runtime.settings import Settings, SettingsError, load_settings
from tests.proxy import ForwardProxy, serving


def settings_for(ionos_url: str, **proxies: str) -> Settings:
    return Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        ionos_token="fake-token",
        ionos_api_url=ionos_url,
        **proxies,  # type: ignore[arg-type]
    )


async def test_calls_go_through_the_proxy_with_its_credentials(
    fake_ionos: FakeIonos, ionos_url: str
) -> None:
    fake_ionos.add_registry("team-registry")
    proxy = ForwardProxy()
    async with serving(proxy) as address:
        client = ionos_client(settings_for(ionos_url, http_proxy=f"http://ops:s3cret@{address}"))
        try:
            page = await client.list_registries()
        finally:
            await client.aclose()
    assert [r.name for r in page.items or []] == ["team-registry"]
    assert len(proxy.seen) == 1
    url, credentials = proxy.seen[0]
    assert url.startswith(f"{ionos_url}/registries")
    assert credentials == aiohttp.encode_basic_auth("ops", "s3cret")


async def test_no_proxy_sends_the_calls_straight(fake_ionos: FakeIonos, ionos_url: str) -> None:
    fake_ionos.add_registry("team-registry")
    proxy = ForwardProxy()
    async with serving(proxy) as address:
        settings = settings_for(ionos_url, http_proxy=f"http://{address}", no_proxy="127.0.0.1")
        client = ionos_client(settings)
        try:
            await client.list_registries()
        finally:
            await client.aclose()
    assert proxy.seen == []
    assert len(fake_ionos.requests) == 1


async def test_a_netrc_entry_for_the_api_host_does_not_break_the_calls(
    fake_ionos: FakeIonos, ionos_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With aiohttp's trust_env, a ~/.netrc naming the API's host made every call fail
    ("Cannot combine AUTHORIZATION header with AUTH argument")."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password something\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    fake_ionos.add_registry("team-registry")
    client = ionos_client(settings_for(ionos_url))
    try:
        page = await client.list_registries()
    finally:
        await client.aclose()
    assert [r.name for r in page.items or []] == ["team-registry"]


@pytest.mark.parametrize(
    ("url", "no_proxy", "expected"),
    [
        ("https://api.ionos.com/containerregistries", None, "http://secure:3128"),
        ("http://127.0.0.1:8080", None, "http://plain:3128"),
        ("https://api.ionos.com/containerregistries", "ionos.com", None),
        ("https://api.ionos.com/containerregistries", ".ionos.com", None),
        ("https://api.ionos.com/containerregistries", "*", None),
        (
            "https://api.ionos.com/containerregistries",
            "example.com,localhost",
            "http://secure:3128",
        ),
        ("http://127.0.0.1:8080", "localhost,127.0.0.1", None),
        ("https://api.ionos.com/containerregistries", "api.ionos.com:443", None),
        ("https://api.ionos.com/containerregistries", "api.ionos.com:8443", "http://secure:3128"),
    ],
)
def test_which_proxy(url: str, no_proxy: str | None, expected: str | None) -> None:
    chosen = proxy_for(
        url, https_proxy="http://secure:3128", http_proxy="http://plain:3128", no_proxy=no_proxy
    )
    assert chosen == expected


def test_no_proxy_variables_no_proxy() -> None:
    assert proxy_for("https://x.example", https_proxy=None, http_proxy="", no_proxy=None) is None


@pytest.mark.parametrize("name", ["HTTPS_PROXY", "https_proxy"])
def test_the_settings_read_the_variables_in_either_case(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "IONOS_TOKEN": "token",
        name: "http://ops:pw@proxy:3128",
        "NO_PROXY": "localhost",
    }.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.https_proxy is not None
    assert settings.https_proxy.get_secret_value() == "http://ops:pw@proxy:3128"
    assert "pw" not in repr(settings)  # a proxy password is a secret
    assert settings.no_proxy == "localhost"


def _env(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    for key, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "IONOS_TOKEN": "token",
        **extra,
    }.items():
        monkeypatch.setenv(key, value)


def test_a_proxy_without_a_scheme_is_http_as_curl_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch, HTTPS_PROXY="proxy.internal:3128", HTTP_PROXY="")
    settings = load_settings()
    assert settings.https_proxy is not None
    assert settings.https_proxy.get_secret_value() == "http://proxy.internal:3128"
    assert settings.http_proxy is None


@pytest.mark.parametrize("value", ["ftp://proxy:21", "http://:3128", "http://"])
def test_a_proxy_that_is_no_url_stops_start_up_with_one_line(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, HTTPS_PROXY=value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith("HTTPS_PROXY:")
    assert "\n" not in str(raised.value)
