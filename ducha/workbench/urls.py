"""Every web page (included by ducha/config/urls.py at the site root). Each area's views module lists its own
URLs; the inspection pages keep their `inspections:` namespace under /inspections/."""

from django.urls import URLPattern, include, path

from ducha.common.replica import replica_reads_view
from ducha.workbench.views import (
    account,
    audit_log,
    batch,
    clues_analytics,
    dashboard,
    document_batches,
    documents,
    evaluation,
    inbox,
    items,
    jobs,
    ledger,
    public,
    sources,
)
from ducha.workbench.views import calendar as calendar_views
from ducha.workbench.views.items import instructions as item_instructions

urlpatterns = [
    *items.urlpatterns,
    path("", include("ducha.workbench.views.items.procedure")),  # the procedure's steps, spot re-checks
    *item_instructions.urlpatterns,  # 领导批示 on an item or a report
    *ledger.urlpatterns,
    *jobs.urlpatterns,  # background jobs: progress, cancel, retry, the file (ducha.jobs)
    *sources.urlpatterns,  # source records (会议和文件) and their ledger
    *batch.urlpatterns,  # batch actions from the lists
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
    *account.urlpatterns,  # the user's password, sign-in history, second factor, sessions and API tokens
    *audit_log.urlpatterns,  # the audit log, for the auditor
]

# The pages that read much and may be a moment behind read from the PostgreSQL replica when one is configured
# (DUCHA_REPLICA_URL; ducha.common.replica): the ledger with its count and unit options, and the dashboard. Whoever
# has just written still reads from the primary.
REPLICA_READ_VIEWS = frozenset({"ledger", "ledger-count", "ledger-unit-options", "dashboard"})
for _pattern in urlpatterns:
    if isinstance(_pattern, URLPattern) and _pattern.name in REPLICA_READ_VIEWS:
        _pattern.callback = replica_reads_view(_pattern.callback)
