"""Inspections (督查活动): thin endpoints over ducha.inspections.services (writes) and .selectors (reads, scope), one
router per stage — the annual plan and designations (`plan`), the office's overviews against its rules (`rules`),
the inspection itself: 立项, 方案, team, amendments (`inspection`), fieldwork: findings, evidence, burden
(`fieldwork`), conclusions (`conclusion`), objections and their review (`review`), rectification (`rectification`),
the use of the results, the report and the close (`results`). Responses are built in `shapes`; `scope` fetches an
inspection as the caller may see it.

Every endpoint on an inspection fetches it through the scoped selector first: out of scope — including an
unannounced visit for anyone but its team and approvers until it ends — is 404 whatever the action.

The routers are mounted in this order, and Django tries the routes in it: routes with fixed words
(`/inspections/plans/…`, `/inspections/burden`, `/inspections/todos`, …) come before `/inspections/{inspection_id}`
so that they are matched first (a test resolves every documented path to its own endpoint). One path's methods
stay in one router: a path is one route, answered by the router that declares it first.
"""

from ninja import Router

from ducha.api.inspections import (
    conclusion,
    fieldwork,
    inspection,
    plan,
    rectification,
    results,
    review,
    rules,
)

router = Router()
for stage in (plan, rules, inspection, fieldwork, conclusion, review, rectification, results):
    router.add_router("", stage.router)

__all__ = ["router"]
