"""The accountability tests drive the sweep: tasks run at once and nothing is sent outside the inbox."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _reminder_settings(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DUCHA_NOTIFY_DEFAULT_CHANNELS = []
    settings.DUCHA_SMS_GATEWAY_URL = ""
    settings.DUCHA_WEBHOOK_URL = ""
    settings.DUCHA_REMINDER_OFFICE_HOURS = "09:00-17:00"
    settings.DUCHA_REMINDER_CATCHUP_WORKDAYS = 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
