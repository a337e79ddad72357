"""What lists show of personal data: a phone with its middle digits hidden, a name with all but its first character
hidden. The whole value is for its owner (their own settings page) and for the roles a service lets read it."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """ "13812345678" → "138****5678"; a number too short to keep anything → "****"; empty stays empty."""
    digits = (phone or "").strip()
    if not digits:
        return ""
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def mask_name(name: str | None) -> str:
    """ "张三丰" → "张**"; empty stays empty."""
    name = name or ""
    return name[0] + "*" * max(1, len(name) - 1) if name else ""


def mask_reporter(name: str, phone: str) -> str:
    """What everyone but the keeper sees of a public reporter: "张** 138****5678"."""
    return " ".join(part for part in (mask_name(name), mask_phone(phone)) if part)
