"""The evaluation pages (考核): the year's ledger (年度台账 — not the item list, which is views/ledger.py), the
scores and the facts behind them, the weights, and the reports to the level above. One module per area; the URL
names start with `evaluation-`. Included by ducha/workbench/urls.py."""

from django.urls import path

from ducha.workbench.views.evaluation import ledger, reports, scores

urlpatterns = [
    path("evaluation/", ledger.ledger_list, name="evaluation"),
    path("evaluation/ledgers/", ledger.ledger_list, name="evaluation-ledgers"),
    path("evaluation/ledgers/open/", ledger.ledger_open, name="evaluation-ledger-open"),
    path("evaluation/ledgers/<int:ledger_id>/", ledger.ledger_page, name="evaluation-ledger"),
    path(
        "evaluation/ledgers/<int:ledger_id>/<slug:action>/", ledger.ledger_act, name="evaluation-ledger-act"
    ),
    path("evaluation/entries/<int:entry_id>/<slug:action>/", ledger.entry_act, name="evaluation-entry-act"),
    path(
        "evaluation/confirmations/<int:confirmation_id>/answer/",
        ledger.objection_answer,
        name="evaluation-objection-answer",
    ),
    path(
        "evaluation/explanations/<int:explanation_id>/answer/",
        ledger.explanation_answer,
        name="evaluation-explanation-answer",
    ),
    path("evaluation/scores/", scores.scores_page, name="evaluation-scores"),
    path("evaluation/scores/compute/", scores.scores_compute, name="evaluation-scores-compute"),
    path("evaluation/scores/<int:unit_id>/facts/", scores.facts_page, name="evaluation-facts"),
    path("evaluation/scheme/", scores.scheme_page, name="evaluation-scheme"),
    path("evaluation/reports/", reports.reports_page, name="evaluation-reports"),
    path("evaluation/reports/generate/", reports.report_generate, name="evaluation-report-generate"),
    path("evaluation/reports/received/", reports.received_page, name="evaluation-received"),
    path("evaluation/reports/received.xlsx", reports.received_download, name="evaluation-received-xlsx"),
    path("evaluation/reports/<int:report_id>/", reports.report_detail, name="evaluation-report"),
    path("evaluation/reports/<int:report_id>.xlsx", reports.report_download, name="evaluation-report-xlsx"),
    path(
        "evaluation/reports/<int:report_id>/<slug:action>/", reports.report_act, name="evaluation-report-act"
    ),
]
