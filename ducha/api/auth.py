"""The API's sign-in: API tokens issued, listed and revoked (issue 17)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["auth"])
