"""Session security for every request (等保 L3 身份鉴别, issue 17), after AuthenticationMiddleware and django-otp's
OTPMiddleware, for a signed-in browser session:

- the absolute lifetime (DUCHA_SESSION_MAX_SECONDS since sign-in) and the idle timeout (DUCHA_SESSION_IDLE_SECONDS
  since the last request): past either the session is signed out, SESSION_EXPIRED logged, and the browser sent to
  the sign-in page (htmx: `HX-Redirect`; the API and the session status: JSON 401 `session_expired`);
- the second factor: someone holding a role of DUCHA_OTP_REQUIRED_ROLES (or with an authenticator bound) whose
  session has not given a code is sent to enrol or to verify (API: 401 `otp_required`);
- the password that must be changed (ducha.orgs.passwords.change_required): every page leads to the password page
  (API: 403 `password_change_required`).

Requests carrying `Authorization: Bearer` are the API's own business (its tokens are issued after the second
factor); static files, the sign-in and public pages are not held up."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django_htmx.http import HttpResponseClientRedirect

from ducha.audit.models import EventType
from ducha.audit.services import security_event_record
from ducha.common import error_codes as codes
from ducha.orgs import passwords
from ducha.orgs.sessions import (
    EXPIRED_ATTRIBUTE,
    OTP_ENROLLED,
    SIGNED_IN_AT,
    now_seconds,
    session_clocks_start,
    session_expiry_reason,
    session_touch,
)

# Pages reached without signing in (or while signing in): an expired session is ended there without a detour.
ANONYMOUS_PREFIXES = ("/login/", "/logout/", "/public/", "/captcha/", "/admin/login/", "/admin/logout/")
# Asked by session.js in the background: answered in JSON, and the status does not count as activity.
STATUS_PATH = "/account/session/status/"
KEEPALIVE_PATH = "/account/session/keepalive/"
OTP_PREFIX = "/account/otp/"
# The second factor's own pages: binding an authenticator and giving a code (not its other actions).
OTP_PATHS = (OTP_PREFIX, OTP_PREFIX + "verify/")
PASSWORD_PATH = "/account/password/"


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _static_prefixes() -> tuple[str, ...]:
    prefixes = [str(prefix) for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix]
    return tuple("/" + prefix.lstrip("/") for prefix in prefixes if prefix.strip("/"))


def _is_bearer(request: HttpRequest) -> bool:
    return str(request.META.get("HTTP_AUTHORIZATION", "")).lower().startswith("bearer ")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _wants_json(path: str) -> bool:
    if path in (STATUS_PATH, KEEPALIVE_PATH):
        return True
    return path.startswith("/api/") and not path.rstrip("/").endswith("/docs")


def _next_path(request: HttpRequest) -> str | None:
    """Where to come back to after signing in: the page itself, or for htmx the page the browser shows."""
    current = request.headers.get("HX-Current-URL")
    if current:
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return None


def _refuse(request: HttpRequest, *, status: int, code: str, to: str) -> HttpResponse:
    if _wants_json(request.path_info):
        return JsonResponse({"code": code, "message": codes.message_for(code)}, status=status)
    if _is_htmx(request):
        return HttpResponseClientRedirect(to)
    return HttpResponse(status=302, headers={"Location": to})


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.check(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        if _is_bearer(request) or path.startswith(_static_prefixes()):
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        session = request.session
        now = now_seconds()
        if session.get(SIGNED_IN_AT) is None:
            # A session from before these limits: its clocks start now.
            session_clocks_start(session, now=now)
        reason = session_expiry_reason(session, now=now)
        if reason is not None:
            return self.expire(request, reason=reason)
        if path != STATUS_PATH:
            session_touch(session, now=now)
        if path.startswith(ANONYMOUS_PREFIXES) or path in (STATUS_PATH, KEEPALIVE_PATH, *OTP_PATHS):
            return None
        # The second factor first: it completes the sign-in; then the password that must be changed.
        return self.second_factor(request) or self.password(request)

    def expire(self, request: HttpRequest, *, reason: str) -> HttpResponse | None:
        security_event_record(
            event_type=EventType.SESSION_EXPIRED,
            user=request.user,  # type: ignore[arg-type]
            request=request,
            new={"reason": reason},
        )
        setattr(request, EXPIRED_ATTRIBUTE, True)
        logout(request)
        if request.path_info.startswith(ANONYMOUS_PREFIXES):
            return None
        next_path = _next_path(request)
        to = redirect_to_login(next_path).url if next_path else resolve_url(settings.LOGIN_URL)
        return _refuse(request, status=401, code=codes.SESSION_EXPIRED, to=to)

    def second_factor(self, request: HttpRequest) -> HttpResponse | None:
        from ducha.orgs.otp import otp_enrolled, otp_required_for

        user = request.user
        if user.is_verified():  # type: ignore[union-attr]
            return None
        required = otp_required_for(user)  # type: ignore[arg-type]
        if not required and not request.session.get(OTP_ENROLLED):
            return None
        if not otp_enrolled(user):  # type: ignore[arg-type]
            if not required:  # the authenticator was unbound meanwhile (otp_reset): nothing to give
                request.session.pop(OTP_ENROLLED, None)
                return None
            to = _url("account-otp", OTP_PREFIX)
        else:
            to = _url("account-otp-verify", OTP_PREFIX + "verify/")
            next_path = _next_path(request)
            if next_path:
                to += "?" + urlencode({"next": next_path})
        return _refuse(request, status=401, code=codes.OTP_REQUIRED, to=to)

    def password(self, request: HttpRequest) -> HttpResponse | None:
        if passwords.change_required(request.user) is None:
            return None
        to = _url("account-password", PASSWORD_PATH)
        if request.path_info == to or request.path_info.startswith(PASSWORD_PATH):
            return None
        return _refuse(request, status=403, code=codes.PASSWORD_CHANGE_REQUIRED, to=to)
