"""`MetricsMiddleware`, first in MIDDLEWARE: for every request

- the request id: `X-Request-ID` as the balancer or the client sent it (at most 64 of A–Z a–z 0–9 . _ -), or a new
  one (uuid4 hex) — put on the response's `X-Request-ID` and, through a context variable, on every log record
  emitted while the request is handled, until its response is closed (ducha.ops.logging);
- its count and duration for Prometheus, labelled by method, route and status — the route being the URL pattern the
  request matched (`items/<int:item_id>/`), `<static>` for static files and `<unmatched>` when no pattern matches,
  never the raw path;
- /healthz, /readyz and /metrics answered here, before the rest of the chain (sessions, sign-in, the second factor,
  django-axes, the security audit, the redirect to HTTPS, the Host check): see ducha.ops.views.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, URLPattern, get_resolver

from ducha.ops import metrics as node_metrics
from ducha.ops import urls as ops_urls
from ducha.ops.logging import REQUEST_ID_HEADER, request_id_valid, request_id_var

logger = logging.getLogger(__name__)

UNMATCHED_ROUTE = "<unmatched>"
STATIC_ROUTE = "<static>"


def request_id_for(request: HttpRequest) -> str:
    """The id the balancer or client gave, when it is a plain short token; otherwise a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID")
    if isinstance(given, str) and request_id_valid(given):
        return given
    return uuid.uuid4().hex


def _static_prefixes() -> tuple[str, ...]:
    prefixes = (str(prefix) for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix)
    return tuple("/" + prefix.strip("/") + "/" for prefix in prefixes if prefix.strip("/"))


def route_of(request: HttpRequest) -> str:
    """The URL pattern the request matched (by its name when the pattern is a regular expression). A response given
    before the URL was resolved (a redirect to HTTPS, the sign-in page, a lockout) still counts under its page's
    pattern; a path no pattern matches is `<unmatched>`."""
    match = request.resolver_match
    if match is None:
        path = request.path_info
        if path.startswith(_static_prefixes()):
            return STATIC_ROUTE
        try:
            match = get_resolver(getattr(request, "urlconf", None)).resolve(path)
        except Resolver404:
            return UNMATCHED_ROUTE
    route = str(match.route or "")
    if match.view_name and (not route or "(?P<" in route):
        return str(match.view_name)  # a regular expression (the admin's app list) reads better by its name
    return route or UNMATCHED_ROUTE


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # The operations endpoints by path (included at the site's root): answered before the rest of the chain.
        self.endpoints: dict[str, URLPattern] = {
            "/" + str(pattern.pattern): pattern for pattern in ops_urls.urlpatterns
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        # Set until the response is closed (request_finished), not only while the chain runs: Django logs a 4xx/5xx
        # after the middleware has returned, and gunicorn writes its access line before closing the response.
        request_id_var.set(request_id)
        started = time.monotonic()
        route: str | None = None
        status = 500  # what is counted if the chain raises
        try:
            endpoint = self.endpoints.get(request.path_info)
            response: HttpResponse
            if endpoint is not None:
                route = str(endpoint.pattern)
                response = endpoint.callback(request)
            else:
                response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            try:
                node_metrics.record_request(
                    method=request.method or "",
                    route=route or route_of(request),
                    status=status,
                    seconds=time.monotonic() - started,
                )
            except Exception:  # counting must never cost a request its answer
                logger.warning("metrics: the request could not be counted", exc_info=True)


def _request_finished(**kwargs: object) -> None:
    request_id_var.set(None)


request_finished.connect(_request_finished, dispatch_uid="ducha.ops.request_id")
