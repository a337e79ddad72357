"""The accounts file of the load scenario: which accounts its simulated people sign in with, and as whom.

Written by `ducha load_accounts --set demo|bench --out FILE` (ducha.devtools.loadtest.roster picks them from the
target's database), read by the locustfile, which cannot ask the database itself (it only talks HTTP):

    {"set": "demo", "password": "…", "accounts": [{"username": "fgw", "role": "handler"}, …]}

Plain Python (no Django): the locustfile imports it in locust's process.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SETS = ("demo", "bench")
# The roles the scenario acts out, and the simulated person (locust user class) each is: a unit's handler and its
# liaison do the same work on the to-do list.
PERSONA_OF_ROLE = {"handler": "unit", "liaison": "unit", "office": "office", "leader": "leader"}
ROLES = tuple(PERSONA_OF_ROLE)
PERSONAS = ("unit", "office", "leader")


class AccountsFileError(ValueError):
    """The accounts file is missing, unreadable or not what the scenario needs (the message says which)."""


@dataclass(frozen=True)
class Account:
    username: str
    role: str

    @property
    def persona(self) -> str:
        return PERSONA_OF_ROLE[self.role]


@dataclass(frozen=True)
class AccountsFile:
    set: str
    password: str
    accounts: tuple[Account, ...]

    def for_persona(self, persona: str) -> list[Account]:
        return [account for account in self.accounts if account.persona == persona]

    def counts(self) -> dict[str, int]:
        return {role: sum(1 for a in self.accounts if a.role == role) for role in ROLES}

    def as_json(self) -> str:
        """The file's text: its header fields, then one account a line (easy to read and to diff)."""
        header: dict[str, Any] = {"set": self.set, "password": self.password, "counts": self.counts()}
        lines = [
            f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in header.items()
        ]
        entries = [
            "  " + json.dumps({"username": a.username, "role": a.role}, ensure_ascii=False)
            for a in self.accounts
        ]
        return "{\n" + "\n".join(lines) + '\n "accounts": [\n' + ",\n".join(entries) + "\n ]\n}\n"


def accounts_file(set_name: str, password: str, accounts: Iterable[Account]) -> AccountsFile:
    if set_name not in SETS:
        raise AccountsFileError(f"unknown account set {set_name!r} (expected one of {', '.join(SETS)})")
    chosen = tuple(accounts)
    unknown = sorted({a.role for a in chosen} - set(ROLES))
    if unknown:
        raise AccountsFileError(f"roles the scenario does not act out: {', '.join(unknown)}")
    return AccountsFile(set=set_name, password=password, accounts=chosen)


def read_accounts(path: str | Path, *, expected_set: str = "") -> AccountsFile:
    """The accounts file at `path`; with `expected_set`, refused unless it holds that set."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccountsFileError(
            f"no accounts file at {path}: write one with `ducha load_accounts --set demo|bench --out {path}` "
            "on the target's database"
        ) from None
    except (OSError, ValueError) as error:
        raise AccountsFileError(f"cannot read the accounts file {path}: {error}") from None
    try:
        result = accounts_file(
            str(document["set"]),
            str(document["password"]),
            (Account(str(entry["username"]), str(entry["role"])) for entry in document["accounts"]),
        )
    except (KeyError, TypeError) as error:
        raise AccountsFileError(f"the accounts file {path} lacks {error}") from None
    if expected_set and result.set != expected_set:
        raise AccountsFileError(f"the accounts file {path} holds the {result.set} set, not {expected_set}")
    if not result.accounts:
        raise AccountsFileError(f"the accounts file {path} lists no accounts")
    return result


class AccountPool:
    """Hands the accounts of each persona out in turn, so that simulated people are different people as long as
    there are enough accounts (then they start again from the first: two sessions of one account)."""

    def __init__(self, accounts: AccountsFile) -> None:
        self._turns: dict[str, Iterator[Account]] = {
            persona: itertools.cycle(found)
            for persona in PERSONAS
            if (found := accounts.for_persona(persona))
        }

    def has(self, persona: str) -> bool:
        return persona in self._turns

    def next(self, persona: str) -> Account:
        return next(self._turns[persona])
