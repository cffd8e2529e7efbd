"""Gunicorn in production (Dockerfile, docker-compose.yml) and in `make bench`: one place.

Sync workers: Samverka's requests are short and database-bound. Recycling a worker after
about a thousand requests keeps its memory from creeping past what one process needs.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
max_requests = 1000
max_requests_jitter = 100
timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None


def post_worker_init(worker):
    """Build the contact-suggestion index before the worker takes requests (about a second
    for 5,000 contacts), instead of in the first coordinator's case page."""
    from directory.suggestions import get_index

    try:
        get_index()
    except Exception:  # noqa: BLE001 - a cold index is built on first use instead
        worker.log.exception("Could not warm the suggestion index")
