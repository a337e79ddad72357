"""Web pages for inspections: thin views over the services (writes) and selectors (reads, scope), one module per
stage — the annual plan (planning), an inspection's proposal and approval (proposal), fieldwork, conclusions and
results (conclusions), rectification — besides the pages that only read (pages).

Every page fetches the inspection through the scoped selector: out of scope — an unannounced visit for its targets
until it ends — is a 404. Every form posts to one dispatcher per kind of record, whose action reads the form
(ducha.workbench.forms.inspections), calls one service and redirects back with a message; refusals come back as
the error's message.

Included by ducha/workbench/urls.py under /inspections/; URL names are namespaced: `inspections:list` is the
entry point for the main navigation.
"""

from django.urls import path

from ducha.workbench.views.inspections.actions import inspection_act
from ducha.workbench.views.inspections.conclusions import conclusion_act, result_act, review_act
from ducha.workbench.views.inspections.pages import (
    burden_page,
    evidence_download,
    inspection_detail,
    inspection_list,
    inspection_report,
    rectification_list,
)
from ducha.workbench.views.inspections.planning import plan_act, plan_current, plan_page
from ducha.workbench.views.inspections.proposal import inspection_create
from ducha.workbench.views.inspections.rectification import rectification_act

app_name = "inspections"

urlpatterns = [
    path("", inspection_list, name="list"),
    path("new/", inspection_create, name="create"),
    path("rectifications/", rectification_list, name="rectifications"),
    path("burden/", burden_page, name="burden"),
    path("plan/", plan_current, name="plan-current"),
    path("plan/<int:year>/", plan_page, name="plan"),
    path("plan/<int:year>/<str:action>/", plan_act, name="plan-act"),
    path("<int:inspection_id>/", inspection_detail, name="detail"),
    path("<int:inspection_id>/report/", inspection_report, name="report"),
    path("<int:inspection_id>/act/<str:action>/", inspection_act, name="act"),
    path(
        "<int:inspection_id>/conclusions/<int:conclusion_id>/<str:action>/",
        conclusion_act,
        name="conclusion-act",
    ),
    path("<int:inspection_id>/reviews/<int:review_id>/<str:action>/", review_act, name="review-act"),
    path(
        "<int:inspection_id>/rectifications/<int:rectification_id>/<str:action>/",
        rectification_act,
        name="rectification-act",
    ),
    path("<int:inspection_id>/results/<int:proposal_id>/decide/", result_act, name="result-act"),
    path("<int:inspection_id>/evidence/<int:evidence_id>/", evidence_download, name="evidence"),
]
