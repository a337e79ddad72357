"""An inspection's page offers its team's staff as `<option>`s joined in Python (issue 19: a province has ten
thousand accounts, which the template loop wrote in seconds with a query each for the unit): the markup is the
loop's, byte for byte, and the page's queries do not grow with the accounts."""

from __future__ import annotations

from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.orgs.models import Role, Unit, User
from ducha.orgs.services import user_create
from ducha.workbench.views.inspections.base import team_options
from tests.inspections.helpers import inspection_in

# The template's loop before (inspections/detail.html), over the accounts as model instances.
LOOP = (
    '{% for u in team_users %}<option value="{{ u.pk }}">{{ u.display_name }} · '
    "{{ u.unit.short_name|default:u.unit.name }}</option>{% endfor %}"
)


def _team_users(government: Unit) -> list[User]:
    return list(
        User.objects.filter(is_active=True, unit__path__startswith=government.path).order_by(
            "unit__path", "id"
        )
    )


def test_the_options_are_the_loops(world):
    # given names to escape, an account without a full name and a unit without a short name
    unit = world.departments["fgw"]
    Unit.objects.filter(pk=unit.pk).update(short_name="", name='<发改> "局" & 委')
    User.objects.filter(username="fgw").update(full_name='王<伟> & "Co"')
    User.objects.filter(username="jyj").update(full_name="")
    User.objects.filter(username="zjj").update(is_active=False)

    expected = Template(LOOP).render(Context({"team_users": _team_users(world.county)}))

    assert expected.count("<option") > 50 and "&lt;发改&gt;" in expected and ">jyj · " in expected
    assert f'value="{world.user("zjj").pk}"' not in expected
    assert team_options(world.county) == expected


def test_the_page_s_queries_do_not_grow_with_the_accounts(browser, world):
    inspection = inspection_in(world, S.APPROVED)
    client = browser("office")
    client.get(f"/inspections/{inspection.pk}/")
    with CaptureQueriesContext(connection) as few:
        response = client.get(f"/inspections/{inspection.pk}/")
    assert response.status_code == 200 and b'name="user"' in response.content
    for n in range(5):
        user_create(
            username=f"extra{n}",
            password=None,
            unit=world.townships["cgz"],
            roles=[Role.HANDLER],
            full_name=f"新{n}",
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/inspections/{inspection.pk}/")
    assert "新4 · 城关镇" in response.content.decode()
    assert len(many) == len(few)
