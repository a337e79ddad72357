"""How an app contributes its part of the demo county, without the demo knowing the app by name.

An app that has demo data points to its part from its AppConfig, with one attribute holding a dotted path (a
string, so that the domain app imports nothing from this development layer):

    class ItemsConfig(AppConfig):
        demo_part = "ducha.devtools.demo.items:PART"

`ducha demo` creates the demo world (ducha.devtools.demo.world: the county, its units and accounts) first, then
runs every installed app's part in INSTALLED_APPS order, so a part may rely on the parts of the apps listed before
its own (the inspections come after the items).
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from ducha.devtools.demo.world import DemoWorld

# The AppConfig attribute that points to an app's part: "package.module:NAME".
HOOK = "demo_part"


class DemoPart(Protocol):
    """One app's share of the demo county."""

    # Short and stable, for messages: "items", "inspections".
    name: str

    def exists(self) -> bool:
        """Whether this part's demo data is already in the database (then it is not created again)."""
        ...

    def create(self, world: DemoWorld, *, items: int) -> int:
        """Create this part's demo data in `world`, through the app's services, in the caller's transaction.
        `items` is about how many supervision items the demo should hold (`ducha demo --items`). Returns how many
        supervision items this part created (the command's summary counts them)."""
        ...


def demo_part_load(path: str) -> DemoPart:
    """The part at `path` ("package.module:NAME")."""
    module_name, separator, attribute = path.partition(":")
    if not separator or not module_name or not attribute:
        raise ImproperlyConfigured(f"{HOOK} must read 'package.module:NAME', not {path!r}")
    part: DemoPart = getattr(import_module(module_name), attribute)
    return part


def demo_parts() -> list[DemoPart]:
    """The parts the installed apps point to, in INSTALLED_APPS order."""
    return [
        demo_part_load(path)
        for config in apps.get_app_configs()
        if (path := getattr(config, HOOK, None)) is not None
    ]
