"""The client's address comes from REMOTE_ADDR, or from the entries our own proxies added to
X-Forwarded-For: never from what the client wrote there itself."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from config.client_ip import client_ip


def _request(remote: str = "10.0.0.9", forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # One proxy appends the address it saw; whatever the client sent stands to its left.
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (1, "203.0.113.7", "203.0.113.7"),
        # Two proxies: the outer one's peer is second from the right.
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_trusted_proxies_entries_are_read_from_the_right(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(_request("10.0.0.1", forwarded)) == expected


def test_a_rotating_spoofed_header_gives_the_same_client_behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    seen = {client_ip(_request("10.0.0.1", f"9.9.9.{n}, 203.0.113.7")) for n in range(20)}
    assert seen == {"203.0.113.7"}


def test_garbage_or_a_missing_header_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.1", "not-an-address")) == "10.0.0.1"
    assert client_ip(_request("10.0.0.1")) == "10.0.0.1"
