"""channels/mail.py: the COBUILD_SMTP_URL form, the message's encoding, and a login against a real
SMTP server (aiosmtpd) with percent-decoded credentials."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from channels.mail import MailConfigError, SmtpMailer, build_message, parse_smtp_url
from config import load_settings
from tests.smtp import SmtpServer


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "starttls", "user", "password"),
    [
        ("smtp://mail.example.org", "mail.example.org", 25, False, False, None, None),
        ("smtp://mail.example.org:2525", "mail.example.org", 2525, False, False, None, None),
        ("smtps://mail.example.org", "mail.example.org", 465, True, False, None, None),
        ("smtp://mail.example.org?starttls=1", "mail.example.org", 587, False, True, None, None),
        (
            "smtp://u%40x.cn:p%3Aa%2Fss@mail.example.org:587?starttls=1",
            "mail.example.org",
            587,
            False,
            True,
            "u@x.cn",
            "p:a/ss",
        ),
        ("smtps://bot:@smtp.qq.com", "smtp.qq.com", 465, True, False, "bot", ""),
    ],
)
def test_smtp_url_forms(url, host, port, tls, starttls, user, password) -> None:  # type: ignore[no-untyped-def]
    cfg = parse_smtp_url(url)
    assert (cfg.host, cfg.port, cfg.tls, cfg.starttls, cfg.username, cfg.password) == (
        host,
        port,
        tls,
        starttls,
        user,
        password,
    )
    assert cfg.sender == f"noreply@{host}"
    assert "pass" not in repr(cfg) and (password is None or password == "" or password not in repr(cfg))


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtps://h?starttls=1", "smtp://h:port"])
def test_unusable_smtp_url_is_refused(url: str) -> None:
    with pytest.raises(MailConfigError):
        parse_smtp_url(url)


def test_mail_from_with_a_chinese_name() -> None:
    cfg = parse_smtp_url("smtp://h", "县委组织部 <dangjian@example.org>")
    assert (cfg.sender, cfg.sender_name) == ("dangjian@example.org", "县委组织部")
    with pytest.raises(MailConfigError):
        parse_smtp_url("smtp://h", "not an address")


def test_settings_read_the_three_variables() -> None:
    s = load_settings(
        {"COBUILD_SMTP_URL": " smtp://h ", "COBUILD_MAIL_FROM": "a@b.c", "COBUILD_PUBLIC_URL": "https://x.org/"}
    )
    assert (s.smtp_url, s.mail_from, s.public_url) == ("smtp://h", "a@b.c", "https://x.org")
    empty = load_settings({})
    assert (empty.smtp_url, empty.mail_from, empty.public_url) == (None, None, None)


def test_chinese_subject_and_names_are_encoded_and_both_parts_present() -> None:
    cfg = parse_smtp_url("smtp://h")
    msg = build_message(
        cfg,
        to_name="刘伟",
        to_addr="liaison1@cobuild.invalid",
        subject="吹哨报到：请 1 小时内签收",
        text="第一段\n\n第二段 <b>",
        link="https://x.org/whistle",
        link_label="打开：https://x.org/whistle",
    )
    raw = msg.as_bytes()
    assert raw.isascii()  # every header encoded (RFC 2047), the body in base64 / quoted-printable
    assert "=?utf-8?" in raw.decode().lower()
    assert str(make_header(decode_header(msg["Subject"]))) == "吹哨报到：请 1 小时内签收"
    assert msg["To"].addresses[0].display_name == "刘伟"
    assert msg["From"].addresses[0].display_name == "共建看板"
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;b&gt;" in html and 'href="https://x.org/whistle"' in html
    assert "第二段" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_login_only_with_credentials_percent_decoded() -> None:
    server = SmtpServer(credentials=("u@x.cn", "p:a/ss")).start()
    try:
        cfg = parse_smtp_url(f"smtp://u%40x.cn:p%3Aa%2Fss@127.0.0.1:{server.port}")
        with SmtpMailer(cfg) as mailer:
            mailer.send(build_message(cfg, to_name="甲", to_addr="a@b.c", subject="测试", text="正文"))
        assert server.logins == ["u@x.cn"] and len(server.to("a@b.c")) == 1
    finally:
        server.stop()
    plain = SmtpServer().start()
    try:
        cfg = parse_smtp_url(plain.url)
        with SmtpMailer(cfg) as mailer:  # no credentials: no AUTH attempted
            mailer.send(build_message(cfg, to_name="乙", to_addr="b@b.c", subject="测试", text="正文"))
        assert len(plain.to("b@b.c")) == 1
    finally:
        plain.stop()
