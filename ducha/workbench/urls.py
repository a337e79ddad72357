"""Every web page (included by ducha/config/urls.py at the site root). Each area's views module lists its own
URLs; the inspection pages keep their `inspections:` namespace under /inspections/."""

from django.urls import include, path

from ducha.workbench.views import calendar as calendar_views
from ducha.workbench.views import (
    clues_analytics,
    dashboard,
    document_batches,
    documents,
    evaluation,
    inbox,
    items,
    ledger,
    public,
)

urlpatterns = [
    *items.urlpatterns,
    *ledger.urlpatterns,
    *dashboard.urlpatterns,
    *calendar_views.urlpatterns,
    *inbox.urlpatterns,
    *documents.urlpatterns,
    *document_batches.urlpatterns,
    *evaluation.urlpatterns,
    *public.urlpatterns,  # the public site of 互联网+督查: no sign-in
    path("", include("ducha.workbench.views.accountability")),
    *clues_analytics.urlpatterns,  # the clues' hotspots, warnings and weekly briefs
    path("", include("ducha.workbench.views.clues")),
    path("inspections/", include("ducha.workbench.views.inspections")),
]
