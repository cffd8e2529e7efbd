"""A local SMTP sink for the delivery benchmark: accepts and counts, stores nothing.

`python bench/smtp_sink.py PORT`. The server hostname is fixed, so no DNS lookup (getfqdn)
happens per connection: the sink must not be the bottleneck it measures.
"""

from __future__ import annotations

import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.count += 1
        return "250 OK"


def main() -> None:
    port = int(sys.argv[1])
    controller = Controller(
        Sink(), hostname="127.0.0.1", port=port, server_hostname="sink.bench.local"
    )
    controller.start()
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
