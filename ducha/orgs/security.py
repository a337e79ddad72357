"""Sign-in security (等保 L3 身份鉴别): the client's address as the lockout counts it, the response a locked-out
client gets, the sign-in events written to the audit log, the office's list and lift of lockouts, and a user's own
sign-in history.

The lockout itself is django-axes (ducha.orgs.backends.LockoutBackend, axes.middleware.AxesMiddleware): after
AXES_FAILURE_LIMIT failures the account, and separately the source address, is refused for AXES_COOLOFF_TIME on
every path that signs in with a request (/login/, /admin/login/, the API's token issue).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from ducha.audit.models import ACCOUNT_EVENT_TYPES, Event, EventType
from ducha.audit.services import security_event_record
from ducha.common import error_codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted
from ducha.orgs.models import Role, User
from ducha.orgs.selectors import government_of

if TYPE_CHECKING:
    from collections.abc import Sequence


# --- The client's address --------------------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: REMOTE_ADDR, or behind AXES_IPWARE_PROXY_COUNT (DUCHA_PROXY_COUNT) reverse proxies
    the address that many from the right of X-Forwarded-For — what the nearest proxy saw, which the client cannot
    forge. Anything unreadable falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


# --- The lockout response ----------------------------------------------------------------------------------------


def _cool_off_minutes() -> int:
    cool_off = get_cool_off()
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with the code `locked_out` — JSON for the API, the locked page otherwise."""
    cool_off = get_cool_off()
    retry_after = str(int(cool_off.total_seconds())) if cool_off else ""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": error_codes.LOCKED_OUT, "message": str(error_codes.message_for(error_codes.LOCKED_OUT))},
            status=429,
        )
    else:
        response = render(
            request,
            "account/locked.html",
            {"code": error_codes.LOCKED_OUT, "minutes": _cool_off_minutes()},
            status=429,
        )
    if retry_after:
        response["Retry-After"] = retry_after
    return response


# --- Sign-in events (receivers connected in OrgsConfig.ready) ---------------------------------------------------


def _account(username: str | None) -> User | None:
    if not username:
        return None
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


def on_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    security_event_record(event_type=EventType.SIGNED_IN, user=user, request=request)


def on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")[:150]
    account = _account(username)
    security_event_record(
        event_type=EventType.SIGN_IN_FAILED,
        user=account,
        request=request,
        username=username,
        new={"locked": bool(getattr(request, "axes_locked_out", False))} if request is not None else None,
    )


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    # axes also sends the signal for every attempt refused while the lockout lasts; only the failure that caused it
    # has its failures counted (axes_failures_since_start), and only that one is the event.
    if request is not None and getattr(request, "axes_failures_since_start", None) is None:
        return
    security_event_record(
        event_type=EventType.LOCKED_OUT,
        user=_account(username),
        request=request,
        username=username or "",
        new={"address": ip_address or ""},
    )


def receivers_connect() -> None:
    user_logged_in.connect(on_signed_in, dispatch_uid="ducha.orgs.security.signed_in")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="ducha.orgs.security.sign_in_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="ducha.orgs.security.locked_out")


# --- The office's unlock -----------------------------------------------------------------------------------------


def is_administrator(user: User) -> bool:
    return bool(user.is_superuser or user.has_role(Role.ADMIN))


def _may_unlock(actor: User) -> bool:
    return bool(actor.is_active and (is_administrator(actor) or actor.has_role(Role.OFFICE)))


@dataclass(frozen=True)
class LockedAccount:
    username: str
    user: User | None
    failures: int
    last_attempt: datetime.datetime


@dataclass(frozen=True)
class LockedAddress:
    address: str
    failures: int
    last_attempt: datetime.datetime


@dataclass(frozen=True)
class Lockouts:
    accounts: list[LockedAccount]
    addresses: list[LockedAddress]


def _live_attempts() -> Any:
    """The failures still counting (within the cool-off), as axes counts them."""
    cool_off = get_cool_off() or datetime.timedelta(0)
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)


def _locked(field: str, *, only: Q | None = None) -> list[dict[str, Any]]:
    attempts = _live_attempts()
    if only is not None:
        attempts = attempts.filter(only)
    return list(
        attempts.exclude(**{f"{field}__isnull": True})
        .values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )


def _government_usernames(actor: User) -> Q:
    return Q(
        username__in=User._default_manager.filter(unit__government=government_of(actor)).values("username")
    )


def lockouts_for(*, viewer: User) -> Lockouts:
    """The accounts and addresses locked now: for an administrator all of them; for the office the accounts of its
    own government and the addresses that failed against one of them. Others: NotPermitted."""
    if not _may_unlock(viewer):
        raise NotPermitted(error_codes.ROLE_REQUIRED)
    scope = None if is_administrator(viewer) else _government_usernames(viewer)
    by_name = _locked("username", only=scope)
    users = {
        user.username: user
        for user in User._default_manager.select_related("unit").filter(
            username__in=[r["username"] for r in by_name]
        )
    }
    accounts = [
        LockedAccount(row["username"], users.get(row["username"]), row["failures"], row["last"])
        for row in by_name
    ]
    if scope is not None:
        accounts = [account for account in accounts if account.user is not None]
        seen = set(_live_attempts().filter(scope).values_list("ip_address", flat=True))
        address_rows = [row for row in _locked("ip_address") if row["ip_address"] in seen]
    else:
        address_rows = _locked("ip_address")
    addresses = [LockedAddress(row["ip_address"], row["failures"], row["last"]) for row in address_rows]
    return Lockouts(accounts=accounts, addresses=addresses)


def _in_scope(actor: User, *, username: str | None, ip: str | None) -> bool:
    """May the office `actor` see this account (its own government's) or address (one that failed against its
    government's accounts within the cool-off)? An administrator may see any."""
    if is_administrator(actor):
        return True
    if username is not None:
        account = _account(username)
        if account is None or account.unit is None or account.unit.government_id != government_of(actor).pk:
            return False
    if ip is not None:
        return bool(_live_attempts().filter(_government_usernames(actor), ip_address=ip).exists())
    return True


def lockout_lift(
    *, actor: User, username: str | None = None, ip: str | None = None, request: HttpRequest | None = None
) -> int:
    """The office (for its own government's accounts and the addresses that failed against them) or an
    administrator (any) lifts the lockout of an account or of an address: its counted failures are forgotten.
    Refuses NotPermitted for anyone else, NotFound for an account or address out of the actor's scope, NOT_LOCKED
    when it is not locked. Logs UNLOCKED. Returns how many attempt records were cleared."""
    username = (username or "").strip() or None
    ip = (ip or "").strip() or None
    locks = lockouts_for(viewer=actor)
    if not _in_scope(actor, username=username, ip=ip):
        raise NotFound()
    locked_account = next((row for row in locks.accounts if row.username == username), None)
    locked_address = any(row.address == ip for row in locks.addresses)
    if (
        (username is None and ip is None)
        or (username is not None and locked_account is None)
        or (ip is not None and not locked_address)
    ):
        raise InvalidState(error_codes.NOT_LOCKED)
    with transaction.atomic():
        cleared = 0
        if username is not None:
            cleared += reset(username=username)
        if ip is not None:
            cleared += reset(ip=ip)
        security_event_record(
            event_type=EventType.UNLOCKED,
            user=locked_account.user if locked_account is not None else None,
            actor=actor,
            request=request,
            username=username or "",
            new={"unlocked_username": username or "", "unlocked_address": ip or "", "cleared": cleared},
        )
    return cleared


# --- Sign-in history ---------------------------------------------------------------------------------------------

HISTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class SecurityEventPage:
    events: Sequence[Event]
    next_before_id: int | None


def security_events_for(
    *, viewer: User, user: User, before_id: int | None = None, limit: int = HISTORY_PAGE_SIZE
) -> SecurityEventPage:
    """`user`'s sign-in and account-security events, newest first, a keyset page (ids below `before_id`). A user
    sees their own; an administrator anyone's; anyone else: NotPermitted."""
    if viewer.pk != user.pk and not is_administrator(viewer):
        raise NotPermitted(error_codes.ROLE_REQUIRED)
    limit = max(1, min(limit, 200))
    events = Event.objects.filter(subject_type="user", subject_id=user.pk, event_type__in=ACCOUNT_EVENT_TYPES)
    if before_id is not None:
        events = events.filter(id__lt=before_id)
    rows = list(events.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return SecurityEventPage(events=rows, next_before_id=rows[-1].pk if more and rows else None)
