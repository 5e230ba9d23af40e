"""Email notifications from templates: the first line of a template is the subject."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


def public_url(path: str) -> str:
    return settings.OFFICEACTIONS_PUBLIC_URL.rstrip("/") + path


def notify(template: str, to: Iterable[str], context: dict[str, Any]) -> int:
    """Render ``notifications/<template>.txt`` and send it to each address; returns sent count."""
    recipients = sorted({a for a in to if a})
    if not recipients:
        return 0
    text = render_to_string(f"notifications/{template}.txt", context)
    subject, _, body = text.strip().partition("\n")
    sent = send_mail(
        subject.strip(),
        body.strip() + "\n",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
        fail_silently=False,
    )
    # Log that a message went out, never what it said or to whom: it may be confidential.
    log.info("notification %s sent to %d recipients", template, len(recipients))
    return sent
