"""/healthz, /readyz and /metrics: read by the balancer and the metrics collector, never by people. Included at the
site's root; ducha.ops.middleware answers these same paths before the rest of the middleware (see ducha.ops.views)."""

from __future__ import annotations

from django.urls import URLPattern, path

from ducha.ops import views

urlpatterns: list[URLPattern] = [
    path("healthz", views.healthz, name="ops-healthz"),
    path("readyz", views.readyz, name="ops-readyz"),
    path("metrics", views.metrics, name="ops-metrics"),
]
