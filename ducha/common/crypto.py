"""Sealing personal data at rest (users' mobile numbers, a public reporter's name and phone) with SM4-GCM, China's
standard block cipher (GB/T 32907), through the `cryptography` package; versioned keys, so a key can be rotated.

`seal(text)` gives "sm4gcm:<version>:<base64 of nonce + ciphertext + tag>" under the current key; `unseal` picks
the key by the version written in the value and refuses anything altered, or sealed under a version no longer
configured (ValueError).

The keys (128 bits each, 32 hex digits):
- `DUCHA_FIELD_KEYS="3:<hex>,2:<hex>"`: the first is the current key (it seals); the others still unseal. The
  word `derived` in place of the hex digits stands for the development key below (to rotate away from it).
- `DUCHA_FIELD_KEY="<hex>"`: the older single key, still valid as version 1 (also beside DUCHA_FIELD_KEYS).
- Neither (development only: settings refuses to start production without SECRET_KEY): a key derived from
  SECRET_KEY with SM3, version 1, as before, so what was sealed keeps reading.

Rotation (`ducha rotate_field_key --help`): put the new key first in DUCHA_FIELD_KEYS keeping the old one after it,
restart, run `ducha rotate_field_key` (re-seals every sealed column under the new key), check with `--check` that
nothing remains under the old key, then drop the old key.

The keyring is cached on the settings' values themselves, so a changed setting (a test's override, a reload) is
picked up without clearing anything."""

from __future__ import annotations

import base64
import functools
import os
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SCHEME = "sm4gcm:"
PREFIX = "sm4gcm:1:"  # the first version's prefix (values sealed before keys had versions)
_NONCE = 12
_TAG = 16
_SEALED = re.compile(r"sm4gcm:([1-9][0-9]{0,8}):")
_DERIVED = "derived"


@dataclass(frozen=True)
class Keyring:
    current: int
    keys: dict[int, bytes]


def _derived_key(secret_key: str) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"ducha-field-key:" + secret_key.encode())
    return digest.finalize()[:16]


def _parse_key(text: str, setting: str, secret_key: str) -> bytes:
    if text == _DERIVED:
        return _derived_key(secret_key)
    try:
        key = bytes.fromhex(text)
    except ValueError as error:
        raise ImproperlyConfigured(f"{setting}: a key must be 32 hexadecimal digits.") from error
    if len(key) != 16:
        raise ImproperlyConfigured(f"{setting}: a key must be 32 hexadecimal digits (128 bits).")
    return key


@functools.cache
def _keyring_of(field_keys: str, field_key: str, secret_key: str) -> Keyring:
    keys: dict[int, bytes] = {}
    current = 0
    for part in field_keys.split(","):
        part = part.strip()
        if not part:
            continue
        version_text, separator, key_text = part.partition(":")
        if not separator or not re.fullmatch(r"[1-9][0-9]{0,8}", version_text.strip()):
            raise ImproperlyConfigured(
                'DUCHA_FIELD_KEYS must read "<version>:<32 hex digits>,…" with whole versions from 1, '
                'e.g. "2:<new key>,1:<old key>"; the first is the current key.'
            )
        version = int(version_text)
        if version in keys:
            raise ImproperlyConfigured(f"DUCHA_FIELD_KEYS names version {version} twice.")
        keys[version] = _parse_key(key_text.strip(), "DUCHA_FIELD_KEYS", secret_key)
        current = current or version
    if field_key:
        single = _parse_key(field_key.strip(), "DUCHA_FIELD_KEY", secret_key)
        if keys.get(1, single) != single:
            raise ImproperlyConfigured(
                "DUCHA_FIELD_KEY is version 1, and DUCHA_FIELD_KEYS gives another version 1."
            )
        keys[1] = single
        current = current or 1
    if not keys:
        keys[1] = _derived_key(secret_key)
        current = 1
    return Keyring(current=current, keys=keys)


def keyring() -> Keyring:
    """The configured keys (ImproperlyConfigured when one is malformed)."""
    return _keyring_of(
        str(getattr(settings, "DUCHA_FIELD_KEYS", "") or ""),
        str(getattr(settings, "DUCHA_FIELD_KEY", "") or ""),
        str(settings.SECRET_KEY),
    )


def current_version() -> int:
    return keyring().current


def _key() -> bytes:
    """The current key."""
    ring = keyring()
    return ring.keys[ring.current]


def seal(text: str) -> str:
    """The text sealed under the current key (empty stays empty: nothing to protect)."""
    if not text:
        return ""
    ring = keyring()
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(ring.keys[ring.current]), modes.GCM(nonce)).encryptor()
    body = encryptor.update(text.encode()) + encryptor.finalize()
    return f"{SCHEME}{ring.current}:" + base64.b64encode(nonce + body + encryptor.tag).decode()


def sealed_version(value: str | None) -> int | None:
    """The key version a sealed value names; None for anything else (empty, plain text)."""
    match = _SEALED.match(value or "")
    return int(match.group(1)) if match else None


def is_sealed(value: str | None) -> bool:
    return sealed_version(value) is not None


def needs_reseal(value: str | None) -> bool:
    """Whether a sealed value is under another key than the current one (rotation re-seals it)."""
    version = sealed_version(value)
    return version is not None and version != keyring().current


def unseal(sealed: str) -> str:
    """The text a `seal` gave; ValueError when it is not one, was altered, or names a key version not configured."""
    if not sealed:
        return ""
    match = _SEALED.match(sealed)
    if not match:
        raise ValueError("not sealed")
    version = int(match.group(1))
    key = keyring().keys.get(version)
    if key is None:
        raise ValueError(f"sealed under key version {version}, which is not configured (DUCHA_FIELD_KEYS)")
    try:
        raw = base64.b64decode(sealed[match.end() :], validate=True)
    except ValueError as error:
        raise ValueError("altered") from error
    if len(raw) < _NONCE + _TAG:
        raise ValueError("altered")
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except Exception as error:  # InvalidTag: the stored value was altered or sealed under another key
        raise ValueError("altered or sealed under another key") from error


def reseal(value: str) -> str:
    """`value` sealed under the current key: a plain value sealed, one under an older key re-sealed, one already
    under the current key unchanged. ValueError when it cannot be unsealed."""
    if not value:
        return ""
    version = sealed_version(value)
    if version is None:
        return seal(value)
    if version == keyring().current:
        return value
    return seal(unseal(value))


def digest(text: str) -> str:
    """A keyed SM3 digest (hex) of a value to compare without keeping it: a source address for rate limits.
    Keyed with the current key: a rotation starts the per-source counts and blocks afresh (they are short-lived)."""
    h = hashes.Hash(hashes.SM3())
    h.update(_key() + b":" + text.encode())
    return h.finalize().hex()
