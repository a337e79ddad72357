"""The API's sign-in: API tokens issued, listed and revoked (issue 17). Thin endpoints over ducha.orgs.services
and selectors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.schemas import ErrorOut, Id, TokenIssuedOut, TokenIssueIn, TokenOut
from ducha.orgs import selectors, services
from ducha.orgs.models import ApiToken

router = Router(tags=["auth"])


def _token(api_token: ApiToken) -> dict[str, Any]:
    return {
        "id": api_token.pk,
        "name": api_token.name,
        "prefix": api_token.prefix,
        "scope": api_token.scope,
        "created_at": api_token.created_at,
        "expires_at": services.token_expiry(api_token),
        "last_used_at": api_token.last_used_at,
        "revoked_at": api_token.revoked_at,
    }


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenIssuedOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
)
def token_issue(request: HttpRequest, payload: TokenIssueIn) -> Any:
    """A bearer token for the account signing in (shown once). 401 `sign_in_failed` for a wrong user name or
    password, `otp_required` / `otp_invalid` when the account needs a one-time code; 403 `password_change_required`;
    429 `locked_out` after too many failures (per account and per source)."""
    token, api_token = services.token_sign_in(
        request=request,
        username=payload.username,
        password=payload.password,
        otp=payload.otp,
        name=payload.name,
        scope=payload.scope,
        days=payload.days,
    )
    return Status(
        201,
        {
            "token": token,
            "prefix": api_token.prefix,
            "scope": api_token.scope,
            "expires_at": api_token.expires_at,
        },
    )


@router.get("/auth/tokens", response={200: list[TokenOut], **ERRORS})
def tokens(request: HttpRequest) -> Any:
    """The caller's own tokens, live and revoked."""
    return [_token(api_token) for api_token in selectors.tokens_of(actor(request))]


@router.delete("/auth/tokens/{token_id}", response={200: TokenOut, **ERRORS})
def token_revoke(request: HttpRequest, token_id: Id) -> Any:
    """Revoke one of the caller's tokens (the one in use, too); an administrator may revoke anyone's."""
    return _token(services.token_revoke(token_id=token_id, actor=actor(request)))
