"""The demo inspections: made with the real services, they give every demo account something to see or do."""

from __future__ import annotations

from ducha.devtools.demo.inspections import demo_inspections_create, demo_inspections_exist
from ducha.inspections import selectors
from ducha.inspections.models import AnnualPlan, Inspection


def test_demo_inspections_give_each_role_something(world):
    assert not demo_inspections_exist()
    count = demo_inspections_create(world)
    assert demo_inspections_exist()
    assert count == Inspection.objects.count() >= 6
    assert selectors.todos_for_user(world.user("leader")).reviews_to_decide
    assert selectors.todos_for_user(world.user("leader")).to_approve
    assert selectors.todos_for_user(world.user("office")).rectifications_to_verify
    assert selectors.todos_for_user(world.user("county_head")).results_to_decide
    secret = Inspection.objects.get(kind="unannounced")
    assert secret.pk not in set(
        selectors.inspections_for_user(world.user("hkz_liaison")).values_list("pk", flat=True)
    )
    plan = AnnualPlan.objects.get()
    assert plan.status == "approved"
    assert selectors.plan_summary(world.county, plan.year).last_year_total == 12
