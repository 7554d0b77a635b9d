"""The audit trail: one call records who did what, when and from where.

Callers pass facts, never secrets: no password, token or note text goes in
`detail`. Sign-ins are recorded from Django's auth signals, so allauth's
login, the admin login and the API all leave the same trace.
"""

import logging

from allauth.account.adapter import get_adapter
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest

from .models import AuditEvent

logger = logging.getLogger(__name__)

Action = AuditEvent.Action


def audit_record(
    *,
    action: str,
    actor=None,
    request: HttpRequest | None = None,
    subject_email: str = "",
    **detail,
) -> AuditEvent:
    """Record one event. The actor defaults to the request's signed-in user."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    event = AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        subject_email=subject_email,
        ip_address=client_ip(request),
        detail=detail,
    )
    who = event.actor_email or ("anonymous" if request is not None else "a command on the server")
    where = f" from {event.ip_address}" if event.ip_address else ""
    logger.info("Audit: %s by %s%s %s", action, who, where, detail)
    return event


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as allauth's rate limits see it: X-Forwarded-For counts
    only through the configured number of trusted proxies."""
    if request is None:
        return None
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # allauth's answer to a request without a usable address
        logger.warning("No client IP could be read for the audit trail")
        return None


@receiver(user_logged_in, dispatch_uid="audit_login")
def _record_login(sender, request, user, **kwargs) -> None:
    audit_record(action=Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _record_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _record_failed_login(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in `credentials`; keep only the login name.
    attempted = credentials.get("email") or credentials.get("username") or ""
    audit_record(action=Action.LOGIN_FAILED, actor=None, request=request, subject_email=str(attempted)[:254])
