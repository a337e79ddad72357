"""The demo county ready for clues: its villages and communities, its units' duties (the router's knowledge) and a
keeper of reporters' identities — as the demo part sets them up, without the demo clues."""

from __future__ import annotations

from ducha.clues.models import Place, UnitDuties
from ducha.devtools.demo.duties import DUTIES, TOWNSHIP_DUTIES
from ducha.devtools.demo.places import VILLAGES
from ducha.devtools.demo.world import DemoWorld
from ducha.orgs.models import Role, User
from ducha.orgs.services import user_create


def clue_county(world: DemoWorld) -> User:
    """Places and duties for the world's county; returns the keeper (username `keeper`)."""
    places = []
    for code, names in VILLAGES.items():
        township = world.townships[code]
        places.extend(
            Place(
                government=world.county,
                township=township,
                name=name,
                kind="community" if name.endswith("社区") else "village",
            )
            for name in names
        )
    Place.objects.bulk_create(places)
    UnitDuties.objects.bulk_create(
        [UnitDuties(unit=world.departments[code], text=text) for code, text in DUTIES.items()]
        + [UnitDuties(unit=unit, text=TOWNSHIP_DUTIES) for unit in world.townships.values()]
    )
    return user_create(
        username="keeper",
        password=None,
        unit=world.supervision_office,
        roles=[Role.CLUE_KEEPER],
        full_name="许保密",
        title="督查室信息管理员",
    )
