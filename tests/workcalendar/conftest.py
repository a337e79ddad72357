from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ducha.workcalendar import services


@pytest.fixture(autouse=True)
def _clear_calendar_cache() -> Iterator[None]:
    """The calendar cache is per process: never let one test's years leak into another."""
    services.calendar_cache_clear()
    yield
    services.calendar_cache_clear()


@pytest.fixture
def package_until_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the package's coverage to end with 2026, so that 2027 stays provisional even after a chinesecalendar
    upgrade that adds 2027 data."""
    real = services.package_year_range()
    assert real is not None and real[0] <= 2026 <= real[1]
    monkeypatch.setattr(services, "package_year_range", lambda: (real[0], 2026))


@pytest.fixture
def calendar_admin(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="calendar-admin", password="not-used-123")
