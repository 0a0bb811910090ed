"""E-mail over SMTP with the standard library: the ``COBUILD_SMTP_URL`` form, the message (plain text
and HTML, Chinese subjects and names encoded by ``email``'s default policy) and a connection.

``smtp://[user:password@]host[:port]`` — plain SMTP, port 25; ``smtps://…`` — TLS from the first
byte, port 465; ``?starttls=1`` — STARTTLS, port 587. Credentials are optional and percent-decoded;
the connection logs in only when they are given."""

from __future__ import annotations

import html
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT_S = 15.0
SENDER_NAME = "共建看板"


class MailConfigError(ValueError):
    """``COBUILD_SMTP_URL`` or ``COBUILD_MAIL_FROM`` cannot be used (the message says why)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: bool = False  # smtps://
    starttls: bool = False  # ?starttls=1
    username: str | None = None
    password: str | None = None
    sender: str = ""  # the From address (addr-spec)
    sender_name: str = SENDER_NAME

    def __repr__(self) -> str:  # never print the password
        return f"SmtpConfig(host={self.host!r}, port={self.port}, tls={self.tls}, starttls={self.starttls})"


_TRUE = {"1", "true", "yes", "on"}


def parse_smtp_url(url: str, mail_from: str | None = None) -> SmtpConfig:
    """The SMTP settings of ``url`` and the sender (``mail_from`` or ``noreply@`` + the host)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise MailConfigError(f"COBUILD_SMTP_URL must start with smtp:// or smtps://, not {scheme or '(nothing)'}")
    host = parts.hostname
    if not host:
        raise MailConfigError("COBUILD_SMTP_URL names no host")
    query = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "").lower() in _TRUE
    if scheme == "smtps" and starttls:
        raise MailConfigError("COBUILD_SMTP_URL: smtps:// and ?starttls=1 exclude each other")
    try:
        port = parts.port
    except ValueError as err:
        raise MailConfigError(f"COBUILD_SMTP_URL: bad port ({err})") from None
    if port is None:
        port = 465 if scheme == "smtps" else 587 if starttls else 25
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    name, sender = SENDER_NAME, f"noreply@{host}"
    if mail_from:
        parsed_name, addr = parseaddr(mail_from)
        if "@" not in addr:
            raise MailConfigError(f"COBUILD_MAIL_FROM is not an e-mail address: {mail_from}")
        sender, name = addr, parsed_name or SENDER_NAME
    return SmtpConfig(
        host=host,
        port=port,
        tls=scheme == "smtps",
        starttls=starttls,
        username=username,
        password=password,
        sender=sender,
        sender_name=name,
    )


def _address(name: str, addr: str) -> Address:
    local, _, domain = addr.partition("@")
    return Address(display_name=name, username=local, domain=domain)


def build_message(
    config: SmtpConfig,
    *,
    to_name: str,
    to_addr: str,
    subject: str,
    text: str,
    link: str | None = None,
    link_label: str = "",
    footer: str = "",
) -> EmailMessage:
    """A message with a plain-text and an HTML part; non-ASCII subject and names are encoded (RFC 2047)."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = _address(config.sender_name, config.sender)
    msg["To"] = _address(to_name, to_addr)
    plain = text + (f"\n\n{link_label}" if link else "") + (f"\n\n-- \n{footer}" if footer else "")
    msg.set_content(plain, cte="base64")
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    anchor = f'<p><a href="{html.escape(link, quote=True)}">{html.escape(link_label)}</a></p>' if link else ""
    foot = f'<p style="color:#888;font-size:12px">{html.escape(footer)}</p>' if footer else ""
    msg.add_alternative(f"<html><body>{paragraphs}{anchor}{foot}</body></html>", subtype="html", cte="base64")
    return msg


class SmtpMailer:
    """One SMTP connection, opened at the first message and closed at the end of the ``with``."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _open(self) -> smtplib.SMTP:
        cfg = self.config
        conn: smtplib.SMTP
        if cfg.tls:
            conn = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=TIMEOUT_S, context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=TIMEOUT_S)
            if cfg.starttls:
                conn.starttls(context=ssl.create_default_context())
        if cfg.username:
            conn.login(cfg.username, cfg.password or "")
        return conn

    def send(self, msg: EmailMessage) -> None:
        """Send one message; any failure raises (``smtplib.SMTPException`` or ``OSError``) and drops
        the connection so the next message opens a fresh one."""
        try:
            if self._conn is None:
                self._conn = self._open()
            self._conn.send_message(msg)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
