"""Sealing personal data at rest (a public reporter's name and phone) with SM4-GCM, China's standard block cipher
(GB/T 32907), through the `cryptography` package.

`seal(text)` gives "sm4gcm:1:<base64 of nonce + ciphertext + tag>"; `unseal` reverses it and refuses anything
altered. The key is `DUCHA_FIELD_KEY` (32 hex digits, 128 bits) from the environment; without it, in development
only, a key is derived from SECRET_KEY with SM3 (settings refuses to start production without SECRET_KEY). The "1"
is the key version, so a key can be rotated later by re-sealing under version 2."""

from __future__ import annotations

import base64
import functools
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "sm4gcm:1:"
_NONCE = 12
_TAG = 16


@functools.cache
def _key() -> bytes:
    configured = str(getattr(settings, "DUCHA_FIELD_KEY", "") or "")
    if configured:
        try:
            key = bytes.fromhex(configured)
        except ValueError as error:
            raise ImproperlyConfigured("DUCHA_FIELD_KEY must be 32 hexadecimal digits.") from error
        if len(key) != 16:
            raise ImproperlyConfigured("DUCHA_FIELD_KEY must be 32 hexadecimal digits.")
        return key
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"ducha-field-key:" + str(settings.SECRET_KEY).encode())
    return digest.finalize()[:16]


def seal(text: str) -> str:
    """The text sealed (empty stays empty: nothing to protect)."""
    if not text:
        return ""
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(_key()), modes.GCM(nonce)).encryptor()
    body = encryptor.update(text.encode()) + encryptor.finalize()
    return PREFIX + base64.b64encode(nonce + body + encryptor.tag).decode()


def unseal(sealed: str) -> str:
    """The text a `seal` gave; ValueError when it is not one or was altered."""
    if not sealed:
        return ""
    if not sealed.startswith(PREFIX):
        raise ValueError("not sealed")
    raw = base64.b64decode(sealed.removeprefix(PREFIX))
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    decryptor = Cipher(algorithms.SM4(_key()), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except Exception as error:  # InvalidTag: the stored value was altered or sealed under another key
        raise ValueError("altered or sealed under another key") from error


def digest(text: str) -> str:
    """A keyed SM3 digest (hex) of a value to compare without keeping it: a source address for rate limits."""
    h = hashes.Hash(hashes.SM3())
    h.update(_key() + b":" + text.encode())
    return h.finalize().hex()
