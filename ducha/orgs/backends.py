"""The authentication backend: Django's ModelBackend, loading the signed-in user with their unit and its government
in one query, since every page shows the unit and every scoped read starts from the government."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from ducha.orgs.models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        try:
            user = User._default_manager.select_related("unit__government").get(pk=user_id)
        except (User.DoesNotExist, ValueError, TypeError):
            return None
        return user if self.user_can_authenticate(user) else None
