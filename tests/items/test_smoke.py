import pytest

from tests.helpers import HAPPY_PATH, item_in


@pytest.mark.parametrize("status", HAPPY_PATH)
def test_item_reaches_every_happy_path_status(world, status):
    item = item_in(world, status)
    assert item.status == status
