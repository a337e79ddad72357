from ducha.orgs.selectors import delegation_targets


def test_a_department_delegates_to_townships_and_its_own_sections_only(world):
    targets = set(delegation_targets(world.departments["fgw"], world.county))
    assert set(world.townships.values()) <= targets
    assert world.departments["zjj"] not in targets
    assert world.departments["fgw"] not in targets
    assert world.county not in targets and world.city_office not in targets


def test_a_township_has_no_one_below_it(world):
    assert not delegation_targets(world.townships["cgz"], world.county).exists()
