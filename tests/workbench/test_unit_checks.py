"""`{% unit_checks %}` (issue 19) writes exactly what the inspection pages' template loop wrote."""

from __future__ import annotations

from django.template import Context, Template

from ducha.orgs.models import Unit
from ducha.workbench.views.inspections.base import units_of

LOOP = (
    '{% for u in units %}<label class="check"><input type="checkbox" name="targets" value="{{ u.pk }}"'
    "{% if u.pk in chosen %} checked{% endif %}> {{ u.short_name|default:u.name }}</label>{% endfor %}"
)
TAG = '{% load unit_checks %}{% unit_checks units "targets" chosen %}'


class Target:
    def __init__(self, unit_id: int) -> None:
        self.unit_id = unit_id


def test_the_markup_is_the_loops(world):
    units = units_of(world.county)
    Unit.objects.filter(pk=units[0].pk).update(short_name="", name='<县> "办" & 局')
    units = units_of(world.county)
    chosen = {units[0].pk, units[3].pk}

    expected = Template(LOOP).render(Context({"units": units, "chosen": chosen}))

    assert len(units) > 10 and expected.count(" checked") == 2
    assert Template(TAG).render(Context({"units": units, "chosen": chosen})) == expected
    # an inspection's targets (rows with a unit_id) check the same boxes
    targets = [Target(pk) for pk in chosen]
    assert Template(TAG).render(Context({"units": units, "chosen": targets})) == expected
    assert Template('{% load unit_checks %}{% unit_checks units "targets" %}').render(
        Context({"units": units})
    ) == Template(LOOP).render(Context({"units": units, "chosen": set()}))
