"""Web sessions (等保 L3 身份鉴别, issue 17): the clocks a session keeps (signed in at, last seen), the idle and
absolute limits read from them, sign-out everywhere, and the sign-in/sign-out receivers that start the clocks and
log SIGNED_OUT. The session middleware (ducha.orgs.middleware) enforces the limits on every request."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.audit.services import security_event_record
from ducha.orgs.services import token_revoke_all

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.http import HttpRequest

    from ducha.orgs.models import User

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# Set at sign-in for someone with an authenticator: they give a code even where it is optional.
OTP_ENROLLED = "otp_enrolled"
# last_seen is written at most this often: each write is a session-store write.
LAST_SEEN_RESOLUTION_SECONDS = 30
# Marks a request whose sign-out is a session expiry (SESSION_EXPIRED is logged, not SIGNED_OUT).
EXPIRED_ATTRIBUTE = "_ducha_session_expired"


def now_seconds() -> float:
    return timezone.now().timestamp()


def session_clocks_start(session: SessionBase, *, now: float | None = None) -> None:
    moment = now_seconds() if now is None else now
    session[SIGNED_IN_AT] = moment
    session[LAST_SEEN] = moment


def session_expiry_reason(session: SessionBase, *, now: float) -> str | None:
    """ "absolute" past DUCHA_SESSION_MAX_SECONDS since sign-in, "idle" past DUCHA_SESSION_IDLE_SECONDS since the
    last request, else None. A clock that went backwards expires nothing."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN, signed_in_at)
    if signed_in_at is not None and now - float(signed_in_at) > settings.DUCHA_SESSION_MAX_SECONDS:
        return "absolute"
    if last_seen is not None and now - float(last_seen) > settings.DUCHA_SESSION_IDLE_SECONDS:
        return "idle"
    return None


def session_remaining(session: SessionBase, *, now: float) -> int:
    """Seconds until the session ends if nothing more happens: the nearer of the idle and the absolute limit."""
    signed_in_at = float(session.get(SIGNED_IN_AT, now))
    last_seen = float(session.get(LAST_SEEN, signed_in_at))
    idle_left = settings.DUCHA_SESSION_IDLE_SECONDS - max(0.0, now - last_seen)
    absolute_left = settings.DUCHA_SESSION_MAX_SECONDS - max(0.0, now - signed_in_at)
    return max(0, int(min(idle_left, absolute_left)))


def session_touch(session: SessionBase, *, now: float, force: bool = False) -> None:
    """Note activity: last_seen moves on, written at most every LAST_SEEN_RESOLUTION_SECONDS unless forced."""
    last_seen = session.get(LAST_SEEN)
    if force or last_seen is None or abs(now - float(last_seen)) >= LAST_SEEN_RESOLUTION_SECONDS:
        session[LAST_SEEN] = now


@transaction.atomic
def user_sign_out_everywhere(*, user: User, request: HttpRequest | None = None) -> int:
    """Sign `user` out of every session and API client: a new security stamp breaks every session's
    authentication hash (User.get_session_auth_hash), and every API token is revoked. The caller keeps its own
    session with update_session_auth_hash. Event: SIGNED_OUT_EVERYWHERE. Returns the number of tokens revoked."""
    user.security_stamp = secrets.token_hex(16)
    user.save(update_fields=["security_stamp"])
    revoked = token_revoke_all(user=user, actor=user, reason="signed_out_everywhere")
    security_event_record(
        event_type=EventType.SIGNED_OUT_EVERYWHERE,
        user=user,
        request=request,
        new={"tokens_revoked": revoked},
    )
    return revoked


def on_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """user_logged_in: start the session's clocks, and remember whether the account has an authenticator."""
    session = getattr(request, "session", None)
    if session is None:
        return
    from ducha.orgs.otp import otp_enrolled

    session_clocks_start(session)
    if otp_enrolled(user):
        session[OTP_ENROLLED] = True
    else:
        session.pop(OTP_ENROLLED, None)


def on_signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    """user_logged_out: log SIGNED_OUT (an expiry is logged as SESSION_EXPIRED by the middleware instead)."""
    if user is None or not getattr(user, "pk", None):
        return
    if request is not None and getattr(request, EXPIRED_ATTRIBUTE, False):
        return
    security_event_record(event_type=EventType.SIGNED_OUT, user=user, request=request)
