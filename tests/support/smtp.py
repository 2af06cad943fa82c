"""Provide :class:`SMTPServer`: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every
message it accepts, with AUTH LOGIN/PLAIN required, so a notifier's password is really used."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class SMTPServer:
    """``with SMTPServer(user, password) as smtp: ... smtp.messages``."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.logins: list[bytes] = []
        with socket.socket() as probe:  # aiosmtpd's controller needs the port up front
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                      authenticator=self._authenticate, auth_require_tls=False)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.logins.append(auth_data.login)
        return AuthResult(success=auth_data.login == self.user and auth_data.password == self.password)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def __enter__(self) -> SMTPServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
