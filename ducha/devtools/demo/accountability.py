"""Placeholder: the accountability part of the demo county."""

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountabilityPart:
    name: str = "accountability"

    def exists(self) -> bool:
        return True

    def create(self, world, *, items: int) -> int:  # type: ignore[no-untyped-def]
        return 0


PART = AccountabilityPart()
