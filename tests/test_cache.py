"""The shared cache: values live in Redis for every process, and an unreachable or hung Redis
reads as an empty cache instead of failing the request."""

from __future__ import annotations

import time

import pytest
import redis

from config.cache import ForgivingRedisCache
from tests.faults import HungListener, closed_port

OPTIONS = {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}


def test_two_processes_share_what_one_of_them_cached(redis_url):
    web_worker = ForgivingRedisCache(redis_url, OPTIONS)
    other_worker = ForgivingRedisCache(redis_url, OPTIONS)

    web_worker.set("suggestions:1", ["anna@hb.example"], 60)
    web_worker.add("generation", 1)

    assert other_worker.get("suggestions:1") == ["anna@hb.example"]
    assert other_worker.incr("generation") == 2


def test_a_count_is_shared_and_its_window_runs_from_the_first_attempt(redis_url):
    web_worker = ForgivingRedisCache(redis_url, OPTIONS)
    other_worker = ForgivingRedisCache(redis_url, OPTIONS)
    server = redis.Redis.from_url(redis_url)

    counts = [web_worker.count("rate:x", timeout=60), other_worker.count("rate:x", timeout=60)]
    server.script_flush()  # as after a restart of Redis: the script is loaded again
    counts.append(web_worker.count("rate:x", timeout=600))

    assert counts == [1, 2, 3]
    assert 0 < server.ttl(web_worker.make_key("rate:x")) <= 60, "later attempts do not extend it"


@pytest.mark.parametrize("server", ["refused", "hung"])
def test_an_unavailable_redis_reads_as_an_empty_cache_and_fails_nothing(server):
    with HungListener() as hung:
        port = closed_port() if server == "refused" else hung.port
        cache = ForgivingRedisCache(f"redis://127.0.0.1:{port}/0", OPTIONS)
        started = time.monotonic()

        assert cache.get("suggestions:1", "not cached") == "not cached"
        cache.set("suggestions:1", ["anna@hb.example"], 60)
        assert cache.add("limit", 0) is False
        with pytest.raises(ValueError):  # what a missing counter raises: callers start again
            cache.incr("limit")
        assert cache.count("limit", timeout=60) == 1  # counts nothing: nobody is limited

        assert time.monotonic() - started < 5
