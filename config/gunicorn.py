"""Gunicorn in production (Dockerfile, docker-compose.yml) and in `make bench`: one place.

Sync workers: Samverka's requests are short and database-bound. Recycling a worker now and
then keeps its memory from creeping; not too often, since a new worker imports the app and
builds the suggestion index (about a second) while the others carry its load.
"""

import ctypes
import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
max_requests = 20000
max_requests_jitter = 2000
timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None


def post_worker_init(worker):
    """Build the contact-suggestion index and the learned profiles before the worker takes
    requests (a few seconds for 5,000 contacts and 20,000 handled cases), instead of in the
    first coordinator's case page.

    With the database down or hung this gives up after DATABASE_CONNECT_TIMEOUT (settings)
    and the worker serves anyway: /healthz then answers 503 instead of nothing at all."""
    from directory.suggestions import get_index, get_profiles

    try:
        get_profiles(get_index())
    except Exception:  # noqa: BLE001 - a cold index is built on first use instead
        worker.log.exception("Could not warm the suggestion index")
    _memory_release()


def _memory_release():
    """Learning the profiles reads every handled case's text (about 30 MB at a million
    cases); Python frees those objects, but glibc keeps the freed pages in the process. Hand
    them back to the system (about 11 MB per worker on the benchmark's database).

    Then freeze what the worker holds now (Django, the app, the suggestion index) out of the
    cyclic garbage collector: a full collection no longer walks those hundreds of thousands
    of objects, so it runs as often as the requests' own garbage needs instead of waiting for
    that garbage to reach a quarter of them (measured over the benchmark's scenarios: 157 ->
    149 MB after the same requests). Frozen objects are still freed when nothing refers to
    them, as a rebuilt index's predecessor is."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc (musl, macOS): nothing to hand back this way
    gc.freeze()
