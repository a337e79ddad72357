"""/healthz, /readyz and /metrics: read by the balancer and the metrics collector, never by people."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
