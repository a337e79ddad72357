"""Demo supervision items (督查事项) for the demo county (see ducha.devtools.demo.world), used by `ducha demo` and the
tests, one module per stage: the catalogue of texts and weights, the plans (what each item should become), the
builder (drawing an item's attributes and dates, driving it through the services, moving its dates back) and the
part (`demo_items_create`, and `PART` for `ducha demo`). The names are re-exported here."""

from ducha.devtools.demo.items.part import PART, ItemsPart, demo_items_create

__all__ = ["PART", "ItemsPart", "demo_items_create"]
