"""Response headers for every request (issue 17, 等保 2.0 level 3: 个人信息保护, 数据保密性).

`NoStoreMiddleware`: nothing a signed-in user is shown may be kept by the browser's cache, a shared proxy or the
back button once they have signed out — every response to an authenticated user (pages, fragments, downloads,
API answers to a bearer token) carries `Cache-Control: no-store` and `Pragma: no-cache`; so do the sign-in pages
(they carry the CSRF token and the username typed) and every API answer (the token issue answers anonymous
callers with a secret). Static files never reach it: WhiteNoise answers them earlier in the chain, with their own
long-lived caching.

The other headers are set elsewhere: Content-Security-Policy by django-csp (`CONTENT_SECURITY_POLICY` in the
settings), HSTS, nosniff, the referrer and opener policies by Django's SecurityMiddleware (`SECURE_*`), framing by
XFrameOptionsMiddleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# The sign-in pages, by URL name: the site's and the administration's (namespace "admin").
SIGN_IN_URL_NAMES = frozenset({"login"})
# Every answer of the API, whoever asks.
API_NAMESPACE_PREFIX = "api-"


def must_not_store(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    match = request.resolver_match
    if match is None:
        return False
    if match.url_name in SIGN_IN_URL_NAMES:
        return True
    return any(namespace.startswith(API_NAMESPACE_PREFIX) for namespace in match.namespaces)


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if must_not_store(request):
            # no-store, no-cache, must-revalidate, private, max-age=0 (and an Expires in the past) whatever the view
            # set: a `public` or a `max-age` from a view never outlives the session.
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response
