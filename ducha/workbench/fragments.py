"""Rendered fragments of the busiest pages kept in Django's cache (issue 18: throughput).

A fragment is kept under a key made of everything its markup depends on, so that it is never invalidated by hand
and never served stale: the data's own version (a hash of the figures it shows, the rows' transaction ids — see
`items.selectors.item_version`), the day where lights or "days left" are shown, the language, and the code's
version — a hash of the package's templates, translations and Python files, worked out once per process, so that
a deployment that changes how a fragment looks never serves the old markup, even from a cache the old processes
filled. A fragment never holds what depends on who is looking (the user's actions, forms, CSRF tokens): that is
rendered for each request around it, and the key names what decides visibility when the fragment's content
depends on it.

The cache is settings.CACHES["default"]: Redis when DUCHA_CACHE_URL is set (shared by the app nodes), otherwise
each process's memory. In front of it each process keeps the fragments it served last, for a minute (`LOCAL_*`):
a key names its content exactly, so a copy kept nearer cannot be out of date, and a page served from it saves a
round trip to Redis. Values are kept pickled and unpickled for each request, so no request sees objects another
one changed.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.core.cache import cache
from django.utils.translation import get_language

import ducha

# How long a fragment is kept at most. Keys are exact, so this bounds memory, not staleness — except for the names
# of people and units a fragment shows, which are not part of its key (a renamed unit shows within this time).
FRAGMENT_SECONDS = 600
LOCAL_SECONDS = 60
LOCAL_MAX = 256
_SOURCE_SUFFIXES = (".py", ".html", ".mo", ".txt", ".json")

T = TypeVar("T")


@functools.cache
def code_version() -> str:
    """A hash of the package's files that shape markup (templates, translations, Python), once per process."""
    root = Path(ducha.__file__).resolve().parent
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(root.rglob("*")):
        if path.suffix in _SOURCE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def fragment_key(kind: str, *parts: object) -> str:
    """The cache key of a fragment of `kind` whose markup is a function of `parts` (and of the language and the
    code's version, always added)."""
    described = "\x1f".join(str(part) for part in (get_language() or "", *parts))
    digest = hashlib.sha1(described.encode(), usedforsecurity=False).hexdigest()
    return f"ducha:fragment:{kind}:{code_version()}:{digest}"


_local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()


def _keep_local(key: str, pickled: bytes) -> None:
    _local[key] = (time.monotonic() + LOCAL_SECONDS, pickled)
    _local.move_to_end(key)
    while len(_local) > LOCAL_MAX:
        _local.popitem(last=False)


def fetch(key: str) -> Any:
    """The value kept under `key` (a fresh copy), or None."""
    near = _local.get(key)
    if near is not None and near[0] > time.monotonic():
        _local.move_to_end(key)
        return pickle.loads(near[1])
    pickled = cache.get(key)
    if not isinstance(pickled, bytes):
        return None
    _keep_local(key, pickled)
    return pickle.loads(pickled)


def keep(key: str, value: Any, *, timeout: int = FRAGMENT_SECONDS) -> None:
    pickled = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    cache.set(key, pickled, timeout)
    _keep_local(key, pickled)


def forget_local() -> None:
    """Empty this process's near copies (the shared cache keeps its own)."""
    _local.clear()


def cached(key: str, build: Callable[[], T], *, timeout: int = FRAGMENT_SECONDS) -> T:
    """The value kept under `key`, built (and kept) when missing."""
    value: Any = fetch(key)
    if value is None:
        value = build()
        keep(key, value, timeout=timeout)
    return value  # type: ignore[no-any-return]
