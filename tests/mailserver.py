"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, a free port, keeping what it receives."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """What the server received, parsed; ``wait_for`` waits for a worker to deliver."""

    messages: list[EmailMessage] = field(default_factory=list)
    port: int = 0
    # Answer "try again later" to this many messages first, as a busy server does.
    refuse_first: int = 0
    refused: int = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls the hook by this name
        if self.refused < self.refuse_first:
            self.refused += 1
            return "451 Requested action aborted: try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 60) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.messages)

    @staticmethod
    def body_of(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @classmethod
    def links_in(cls, message: EmailMessage) -> list[str]:
        return re.findall(r"https?://\S+", cls.body_of(message))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(refuse_first: int = 0) -> Iterator[Inbox]:
    inbox = Inbox(port=free_port(), refuse_first=refuse_first)
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
