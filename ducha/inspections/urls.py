"""Web pages of this app (included by ducha/config/urls.py under /inspections/). URL names are namespaced:
`inspections:list` is the entry point for the main navigation."""

from django.urls import path

from ducha.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("new/", views.inspection_create, name="create"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("burden/", views.burden_page, name="burden"),
    path("plan/", views.plan_current, name="plan-current"),
    path("plan/<int:year>/", views.plan_page, name="plan"),
    path("plan/<int:year>/<str:action>/", views.plan_act, name="plan-act"),
    path("<int:inspection_id>/", views.inspection_detail, name="detail"),
    path("<int:inspection_id>/report/", views.inspection_report, name="report"),
    path("<int:inspection_id>/act/<str:action>/", views.inspection_act, name="act"),
    path(
        "<int:inspection_id>/conclusions/<int:conclusion_id>/<str:action>/",
        views.conclusion_act,
        name="conclusion-act",
    ),
    path("<int:inspection_id>/reviews/<int:review_id>/<str:action>/", views.review_act, name="review-act"),
    path(
        "<int:inspection_id>/rectifications/<int:rectification_id>/<str:action>/",
        views.rectification_act,
        name="rectification-act",
    ),
    path("<int:inspection_id>/results/<int:proposal_id>/decide/", views.result_act, name="result-act"),
    path("<int:inspection_id>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
]
