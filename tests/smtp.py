"""A real SMTP server on localhost for the tests (aiosmtpd), keeping every message it receives."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    rcpt: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    """Start, stop (an outage) and start again on the same port; ``messages`` survives."""

    port: int = field(default_factory=free_port)
    credentials: tuple[str, str] | None = None  # require this login (AUTH over plain SMTP)
    messages: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(Received(list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK"

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.credentials is not None
        if ok:
            user, password = auth_data.login.decode(), auth_data.password.decode()
            ok = (user, password) == self.credentials
            if ok:
                self.logins.append(user)
        return AuthResult(success=ok)

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.credentials:
            kwargs = {"authenticator": self._auth, "auth_require_tls": False, "auth_required": True}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [r.message for r in self.messages if address in r.rcpt]
