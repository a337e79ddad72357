"""The product's URLs, with the ledger's and the dashboard's GET views read through replica_reads_view.

The product's own wrapping (ducha.common.replica) is the lead's to add; until then this makes the cluster read
those pages from the replica. Wrapping a view that is already wrapped is harmless (the same context set twice)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from ducha.common.replica import replica_reads_view
from ducha.config import urls as product_urls

READ_VIEWS = frozenset({"ledger", "ledger-count", "ledger-unit-options", "dashboard"})
MARK = "scaleout_replica_reads"


def _wrap(patterns: list[URLPattern | URLResolver]) -> int:
    wrapped = 0
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            wrapped += _wrap(pattern.url_patterns)
        elif pattern.name in READ_VIEWS and not getattr(pattern.callback, MARK, False):
            view = replica_reads_view(pattern.callback)
            setattr(view, MARK, True)
            pattern.callback = view
            wrapped += 1
    return wrapped


WRAPPED = _wrap(product_urls.urlpatterns)
urlpatterns = product_urls.urlpatterns
handler400 = product_urls.handler400
