"""The authentication backend: Django's ModelBackend, loading the signed-in user with their unit and its government
in one query, since every page shows the unit and every scoped read starts from the government."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from ducha.orgs.models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        try:
            user = User._default_manager.select_related("unit__government").get(pk=user_id)
        except (User.DoesNotExist, ValueError, TypeError):
            return None
        return user if self.user_can_authenticate(user) else None


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check on every sign-in that comes with a request (the sign-in page, the administration,
    the API's token issue). Authentication without a request — a management command, the test client's
    `login()` — has no address to count against and is left to the next backend."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
