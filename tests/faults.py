"""Helpers for fault tests: a server that accepts connections and never answers, and pointing
this process's Celery app at another broker."""

from __future__ import annotations

import socket
import threading
import time

from config.celery import app
from tests.conftest import free_port


class HungListener:
    """A TCP server that accepts every connection and never sends a byte: a hung PostgreSQL
    or Redis (the process is stuck, the kernel still completes the handshake)."""

    def __init__(self):
        self.port = free_port()
        self._server = socket.create_server(("127.0.0.1", self.port), backlog=64)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(conn)  # held open, never read, never answered

    def __enter__(self) -> HungListener:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self._held:
            conn.close()
        self._server.close()

    @property
    def accepted(self) -> int:
        return len(self._held)


def closed_port() -> int:
    """A port nobody listens on: connections are refused at once."""
    return free_port()


def use_broker(url: str) -> None:
    """Point this process's Celery app at another broker (drops pooled connections)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError("condition not reached in time")
