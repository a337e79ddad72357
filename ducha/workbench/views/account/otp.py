"""Account pages (issue 17)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
