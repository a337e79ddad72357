"""The kinds of documents, registered by name (`KINDS`); one module per subject."""

from ducha.documents.kinds import inspections, items, office  # noqa: F401  (each registers its kinds)
from ducha.documents.kinds.base import KINDS, Draft, InputField, Kind, kinds_for

__all__ = ["KINDS", "Draft", "InputField", "Kind", "kinds_for"]
