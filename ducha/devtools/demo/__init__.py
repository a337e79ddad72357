"""The demo county for `ducha demo` and the tests: the world (its units and named accounts, `world`), the hook by
which each app contributes its part (`parts`), and the parts themselves (`items`, `inspections`).

The world's names are re-exported here: tests write `from ducha.devtools.demo import DEMO_PASSWORD, DemoWorld`.
"""

from ducha.devtools.demo.world import (
    DEMO_PASSWORD,
    DemoWorld,
    demo_world_create,
    demo_world_exists,
    demo_world_load,
)

__all__ = ["DEMO_PASSWORD", "DemoWorld", "demo_world_create", "demo_world_exists", "demo_world_load"]
