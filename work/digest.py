"""The optional daily e-mail digest (`SMTP_URL`): to each person with work in their queue,
the counts per kind and a link to "My day", nothing else: never a name, a diagnosis or a
substance (API.md). Sent once a day at `DIGEST_HOUR` (centre time) by the worker."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from work.service import Digest, digests

SUBJECT = "Your work queue"


def message(digest: Digest, *, sender: str, url: str) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = SUBJECT
    mail["From"] = sender
    mail["To"] = digest.email
    mail.set_content(digest.text(url))
    return mail


def connect(smtp_url: str, timeout: float = 30) -> smtplib.SMTP:
    """An SMTP connection from `smtp://[user:password@]host[:port]` (STARTTLS when the server
    offers it) or `smtps://...` (TLS from the start), logged in when a user is given."""
    parts = urlsplit(smtp_url)
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp


def send_digests(
    *, smtp_url: str, sender: str, url: str, claim: Callable[[], bool] = lambda: True
) -> int:
    """Send today's digests over one SMTP connection; the number sent. `claim()` is asked
    first and must say True exactly once a day (the worker keeps that in its storage), so a
    repeated job sends nothing twice."""
    found = digests()
    if not found or not claim():
        return 0
    with connect(smtp_url) as smtp:
        for digest in found:
            smtp.send_message(message(digest, sender=sender, url=url))
    return len(found)
