"""Publishing delivery tasks: by name, on a short fuse.

The services publish here and the tasks call the services, so neither imports the other: the
tasks are named (`send_task`), not imported.

A publish is bounded (a short connect and socket timeout, no connection retries, no publish
retries) because it runs in web requests: the outbox row is committed before anything is
published, so a broker that is down or hung costs a request a fraction of a second, and the
sweep enqueues the row later. A publish that timed out after Redis took it only means a second
task for the row; delivery is idempotent, so that is one "skipped".
"""

from __future__ import annotations

import logging
import os
import threading

from celery import current_app
from kombu import Connection

logger = logging.getLogger(__name__)

DELIVER_ONE = "notifications.tasks.deliver_message"
DELIVER_MANY = "notifications.tasks.deliver_messages"
# Many messages at once (a reminder scan, the sweep) go to the broker in chunks: one publish
# per message costs about a millisecond, and chunks still spread over the workers.
ENQUEUE_CHUNK = 20
# Far above a healthy broker's answer (well under a millisecond on a LAN), far below what a
# person notices on top of a form submission. A publish that misses it is only delayed.
PUBLISH_TIMEOUT_SECONDS = 0.25

_publisher = threading.local()


def broker_connection(*, timeout: float = PUBLISH_TIMEOUT_SECONDS) -> Connection:
    """A new connection to the broker that gives up after `timeout` (also for /healthz)."""
    return current_app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            # Redis; other transports ignore what they do not know.
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            # kombu would otherwise retry the connection for broker_connection_timeout.
            "max_retries": 0,
        },
    )


def _connection() -> Connection:
    """This thread's publishing connection, kept open between publishes like Celery's pool.

    Opened anew in a forked child (a socket must not be shared across processes) and when the
    broker URL changed (tests point the app elsewhere)."""
    key = (os.getpid(), current_app.conf.broker_url)
    if getattr(_publisher, "key", None) != key:
        _publisher.connection = broker_connection()
        _publisher.key = key
    return _publisher.connection


def _connection_drop() -> None:
    connection = getattr(_publisher, "connection", None)
    _publisher.key = None
    _publisher.connection = None
    if connection is not None:
        try:
            connection.release()
        except Exception:  # noqa: BLE001 - it is being thrown away
            pass


def deliveries_enqueue(*, message_ids: list[int]) -> list[int]:
    """Publish delivery tasks for `message_ids`; returns the ids published.

    Stops at the first broker error: the rest are left for the sweep.
    """
    published: list[int] = []
    for start in range(0, len(message_ids), ENQUEUE_CHUNK):
        chunk = message_ids[start : start + ENQUEUE_CHUNK]
        try:
            name, args = (DELIVER_ONE, (chunk[0],)) if len(chunk) == 1 else (DELIVER_MANY, (chunk,))
            # argsrepr and kwargsrepr (what the worker logs) given: Celery's safe repr of
            # the arguments is most of the work of a publish, for a tuple of ids.
            current_app.send_task(
                name,
                args,
                connection=_connection(),
                retry=False,
                argsrepr=repr(args),
                kwargsrepr="{}",
            )
        except Exception as exc:  # noqa: BLE001 - broker down or hung: the rows are safe
            _connection_drop()
            logger.warning(
                "Broker unavailable (%s); %s outbox message(s) left for the sweep",
                type(exc).__name__,
                len(message_ids) - len(published),
            )
            break
        published.extend(chunk)
    return published
