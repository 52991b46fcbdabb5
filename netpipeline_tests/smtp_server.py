"""A real SMTP server (aiosmtpd) on loopback for tests, with switchable faults."""
from __future__ import annotations

import socket
import threading


class Handler:
    """aiosmtpd handler with switchable faults; records what it accepted and on which connection."""

    def __init__(self):
        self.accepted: list[tuple[str, bytes, object]] = []   # (recipient, content, peer)
        self.refuse: set[str] = set()           # RCPT -> 550
        self.tempfail_once: set[str] = set()    # DATA -> 451 the first time for these recipients
        self.drop_after: int | None = None      # close the connection at DATA once this many accepted
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            if rcpt in self.tempfail_once:
                self.tempfail_once.discard(rcpt)
                return "451 4.3.0 try again later"
            if self.drop_after is not None and len(self.accepted) >= self.drop_after:
                server.transport.close()  # the connection drops before any reply: nothing accepted
                return "421 4.4.2 connection dropped"
            self.accepted.append((rcpt, envelope.original_content, session.peer))
        return "250 2.0.0 accepted"

    def received(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for rcpt, _, _ in self.accepted:
            out[rcpt] = out.get(rcpt, 0) + 1
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
