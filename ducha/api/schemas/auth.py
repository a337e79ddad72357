"""The API's sign-in: a token asked for with a user name and password (and a one-time code when the account needs
one), the token issued (shown once), and the caller's tokens as listed (never their digest)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

TokenScopeIn = Literal["read", "write"]


class TokenIssueIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=4096)
    otp: str = Field("", max_length=64, description="a code from the authenticator app, or a recovery code")
    name: str = Field("", max_length=50, description="a label to recognise the token by")
    scope: TokenScopeIn = Field("write", description="read: GET only; write: everything the user may do")
    days: int | None = Field(
        None,
        ge=1,
        le=36500,
        description="how long it lasts (default DUCHA_TOKEN_DAYS, at most DUCHA_TOKEN_MAX_DAYS)",
    )


class TokenIssuedOut(Schema):
    token: str
    prefix: str
    scope: TokenScopeIn
    expires_at: dt.datetime


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: TokenScopeIn
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
