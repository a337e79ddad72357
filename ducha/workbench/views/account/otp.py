"""The second factor's pages (issue 17): bind an authenticator (QR code drawn here, the secret as text, confirmed
by a first code; recovery codes shown once), give a code at sign-in (an authenticator code or a recovery code),
issue new recovery codes, and the office's or the administrator's unbinding of a lost phone. Thin: the services
are ducha.orgs.otp."""

from __future__ import annotations

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render, resolve_url
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ducha.common.errors import DomainError
from ducha.orgs import otp as services
from ducha.orgs.models import User
from ducha.orgs.sessions import OTP_ENROLLED


class CodeForm(forms.Form):
    code = forms.CharField(max_length=20, strip=True)


class ResetForm(forms.Form):
    next = forms.CharField(required=False, max_length=500)


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return resolve_url("home")


def _verified(request: HttpRequest) -> bool:
    return bool(request.user.is_verified())  # type: ignore[union-attr]


@never_cache
@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """GET: the QR code and the secret of the authenticator being bound (or, once bound, its status). POST: the
    first code confirms it; the recovery codes are shown once."""
    user: User = request.user  # type: ignore[assignment]
    if services.otp_enrolled(user):
        if request.method == "POST":
            return redirect("account-otp")
        return render(request, "account/otp_status.html", {"codes_left": services.recovery_codes_left(user)})
    device = services.otp_enrol_start(user=user)
    error: DomainError | None = None
    if request.method == "POST":
        form = CodeForm(request.POST)
        code = form.cleaned_data["code"] if form.is_valid() else ""
        try:
            enrolment = services.otp_enrol_confirm(user=user, code=code, request=request)
        except DomainError as refusal:
            error = refusal
        else:
            django_otp.login(request, enrolment.device)
            request.session.cycle_key()
            request.session[OTP_ENROLLED] = True
            return render(
                request,
                "account/otp_codes.html",
                {"codes": enrolment.recovery_codes, "enrolled_now": True, "next": resolve_url("home")},
            )
    return render(
        request,
        "account/otp_enrol.html",
        {
            "qr_svg": services.otp_provisioning_svg(device),
            "secret": services.otp_secret_text(device),
            "required": services.otp_required_for(user),
            "error": error,
        },
        status=error.status if error else 200,
    )


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The code asked at sign-in: an authenticator code or a recovery code marks the session verified."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not services.otp_enrolled(user):
        return redirect("account-otp")
    if _verified(request):
        return redirect(next_url)
    error: DomainError | None = None
    if request.method == "POST":
        form = CodeForm(request.POST)
        code = form.cleaned_data["code"] if form.is_valid() else ""
        try:
            device = services.otp_verify(user=user, code=code, request=request)
        except DomainError as refusal:
            error = refusal
        else:
            # A new session key for the session that now carries the second factor.
            request.session.cycle_key()
            django_otp.login(request, device)
            return redirect(next_url)
    return render(
        request,
        "account/otp_verify.html",
        {"next": next_url, "error": error},
        status=error.status if error else 200,
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the session must have given the second factor."""
    user: User = request.user  # type: ignore[assignment]
    if not _verified(request):
        return redirect(reverse("account-otp-verify") + "?" + urlencode({"next": reverse("account-otp")}))
    try:
        codes = services.recovery_codes_issue(user=user, request=request)
    except DomainError:
        return redirect("account-otp")
    return render(
        request,
        "account/otp_codes.html",
        {"codes": codes, "enrolled_now": False, "next": reverse("account-otp")},
    )


@login_required
@require_POST
def otp_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator, or the office for its own government, unbinds someone's authenticator (a lost phone)."""
    actor: User = request.user  # type: ignore[assignment]
    target = User.objects.select_related("unit").filter(pk=user_id).first()
    if target is None:
        raise Http404
    try:
        services.otp_reset(user=target, actor=actor, request=request)
    except DomainError as refusal:
        return HttpResponseForbidden(refusal.message)
    messages.success(request, _("The authenticator of %(name)s is unbound.") % {"name": target.display_name})
    form = ResetForm(request.POST)
    return redirect(_safe_next(request, form.cleaned_data["next"] if form.is_valid() else None))


class ResetByNameForm(forms.Form):
    username = forms.CharField(max_length=150, strip=True)


@login_required
@require_POST
def otp_reset_by_name(request: HttpRequest) -> HttpResponse:
    """The same unbinding from the locked-accounts page, where the office types the account's user name."""
    form = ResetByNameForm(request.POST)
    target = (
        User.objects.select_related("unit").filter(username=form.cleaned_data["username"]).first()
        if form.is_valid()
        else None
    )
    if target is None:
        raise Http404
    return otp_reset(request, target.pk)


urlpatterns: list[URLPattern] = [
    path("account/otp/reset/", otp_reset_by_name, name="account-otp-reset-by-name"),
    path("account/otp/", otp_enrol, name="account-otp"),
    path("account/otp/verify/", otp_verify, name="account-otp-verify"),
    path("account/otp/recovery-codes/", recovery_codes, name="account-otp-recovery-codes"),
    path("account/otp/reset/<int:user_id>/", otp_reset, name="account-otp-reset"),
]
