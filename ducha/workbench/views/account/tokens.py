"""The user's API tokens: listed (never their digest), issued (name, scope, lifetime; the token shown this once) and
revoked. Thin: ducha.orgs.selectors reads, ducha.orgs.services writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ducha.common import error_codes
from ducha.common.errors import DomainError, NotFound, ValidationFailed
from ducha.orgs import selectors, services
from ducha.orgs.models import TokenScope


class TokenIssueForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=50, required=False, strip=True)
    scope = forms.ChoiceField(
        label=gettext_lazy("Token scope"), choices=TokenScope.choices, initial=TokenScope.READ
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limits are read when the form is made, so a test (or an operator) may change them.
        self.fields["days"] = forms.IntegerField(
            label=gettext_lazy("Days valid"),
            min_value=1,
            max_value=settings.DUCHA_TOKEN_MAX_DAYS,
            initial=settings.DUCHA_TOKEN_DAYS,
        )


def _page(
    request: HttpRequest,
    *,
    form: TokenIssueForm | None = None,
    issued: str = "",
    refusal: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "account/tokens.html",
        {
            "tokens": [
                {
                    "token": t,
                    "expires_at": services.token_expiry(t),
                    "expired": services.token_expiry(t) <= now,
                }
                for t in selectors.tokens_of(request.user)  # type: ignore[arg-type]
            ],
            "form": form or TokenIssueForm(),
            "issued": issued,
            "refusal": refusal,
        },
        status=status,
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = TokenIssueForm(request.POST)
    if not form.is_valid():
        refusal = ValidationFailed(
            error_codes.INVALID_INPUT,
            fields={name: " ".join(str(error) for error in errors) for name, errors in form.errors.items()},
        )
        return _page(request, form=form, refusal=refusal, status=400)
    try:
        token, _row = services.token_issue(
            user=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.cleaned_data["days"],
            actor=request.user,  # type: ignore[arg-type]
        )
    except DomainError as error:
        return _page(request, form=form, refusal=error, status=error.status)
    # Shown on this answer only: neither stored nor redirected to.
    return _page(request, issued=token)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.token_revoke(token_id=token_id, actor=request.user)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token was revoked."))
    return redirect("account-tokens")


urlpatterns: list[URLPattern] = [
    path("account/tokens/", tokens, name="account-tokens"),
    path("account/tokens/<int:token_id>/revoke/", token_revoke, name="account-token-revoke"),
]
