"""Alert email through Django's mail backend (SMTP or console, EMAIL_BACKEND). The only code that sends alert mail."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import send_mail

from handoff_project.integration.errors import ConfigurationError, TransientError


def build_email(*, title: str, text: str, severity: str, link: str = "") -> tuple[str, str]:
    subject = f"[handoff {severity}] {title}"[:200]
    body = text + (f"\n\nOpen in ops: {link}" if link else "") + "\n"
    return subject, body


def send(*, subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        raise ConfigurationError("no recipients for the alert email", system="email",
                                 recommended_resolution="Set ALERT_EMAILS (or ESCALATION_OWNERS for the team).")
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"the mail server refused or failed: {exc}", system="email") from exc
