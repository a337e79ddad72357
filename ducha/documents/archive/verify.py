"""Verifying dossiers against their manifests."""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from ducha.documents.archive.scheme import CHUNK, MANIFEST, SIDECAR, ArchiveError

MANIFEST_MISSING = "manifest_missing"
MANIFEST_UNREADABLE = "manifest_unreadable"
MANIFEST_ALTERED = "manifest_altered"
SIDECAR_MISSING = "sidecar_missing"
NOT_A_DOSSIER = "not_a_dossier"


def hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass
class Verification:
    """What `dossier_verify` found: files missing, altered (SHA-256 or size differs) or not in the manifest, and
    whether the manifest itself is intact (its SHA-256 against manifest.sha256)."""

    path: Path
    code: str = ""
    files: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)
    manifest: str = ""  # "" when intact, else one of MANIFEST_* / SIDECAR_MISSING / NOT_A_DOSSIER
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.extra or self.unsafe or self.manifest)

    def problems(self) -> list[str]:
        """Each problem in one line, for the operator."""
        name = self.code or str(self.path)
        lines = {
            MANIFEST_MISSING: _("%(dossier)s: manifest.json is missing."),
            MANIFEST_UNREADABLE: _("%(dossier)s: manifest.json cannot be read: %(detail)s"),
            MANIFEST_ALTERED: _(
                "%(dossier)s: manifest.json was altered (its SHA-256 differs from manifest.sha256)."
            ),
            SIDECAR_MISSING: _(
                "%(dossier)s: manifest.sha256 is missing or unreadable: the manifest cannot be checked."
            ),
            NOT_A_DOSSIER: _("%(dossier)s: not part of any dossier (no manifest.json)."),
        }
        problems = [lines[self.manifest] % {"dossier": name, "detail": self.detail}] if self.manifest else []
        problems += [
            _("%(dossier)s: file missing: %(path)s") % {"dossier": name, "path": p} for p in self.missing
        ]
        problems += [
            _("%(dossier)s: file altered (SHA-256 differs from the manifest): %(path)s")
            % {"dossier": name, "path": p}
            for p in self.altered
        ]
        problems += [
            _("%(dossier)s: file not in the manifest: %(path)s") % {"dossier": name, "path": p}
            for p in self.extra
        ]
        problems += [
            _("%(dossier)s: the manifest names a path outside the dossier: %(path)s")
            % {"dossier": name, "path": p}
            for p in self.unsafe
        ]
        return problems


def _is_safe(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts and "\\" not in path


def _present(root: Path) -> set[str]:
    found = set()
    for directory, _dirs, names in os.walk(root):
        for name in names:
            relative = (Path(directory) / name).relative_to(root).as_posix()
            found.add(unicodedata.normalize("NFC", relative))
    return found


def dossier_verify(path: Path) -> Verification:
    """Check one dossier folder against its manifest: every file listed is there with its SHA-256 and size, no
    file is there that is not listed, and manifest.json matches manifest.sha256."""
    result = Verification(path=path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        result.manifest = MANIFEST_MISSING
        return result
    try:
        data = manifest_path.read_bytes()
        manifest = json.loads(data)
        listed = {unicodedata.normalize("NFC", str(entry["path"])): entry for entry in manifest["files"]}
        result.code = str(manifest.get("archival_code", ""))
    except (OSError, ValueError, KeyError, TypeError) as error:
        result.manifest, result.detail = MANIFEST_UNREADABLE, str(error)
        return result
    try:
        recorded = (path / SIDECAR).read_text(encoding="utf-8").split()[0].lower()
    except (OSError, IndexError, UnicodeDecodeError):
        result.manifest = SIDECAR_MISSING
    else:
        if recorded != hashlib.sha256(data).hexdigest():
            result.manifest = MANIFEST_ALTERED
    present = _present(path) - {MANIFEST, SIDECAR}
    for relative, entry in sorted(listed.items()):
        if not _is_safe(relative) or relative in (MANIFEST, SIDECAR):
            result.unsafe.append(relative)
            continue
        if relative not in present:
            result.missing.append(relative)
            continue
        result.files += 1
        try:
            digest, size = hash_file(path / relative)
        except OSError:  # there but unreadable: it cannot be the file the manifest lists
            digest, size = "", -1
        if digest != str(entry.get("sha256", "")).lower() or size != entry.get("size", size):
            result.altered.append(relative)
    result.extra = sorted(present - set(listed))
    return result


def dossiers_verify(path: Path) -> list[Verification]:
    """`path` is one dossier, or a folder of them (a year's export, or the export's root): each dossier found is
    verified; anything else in such a folder is reported as not part of a dossier."""
    if not path.exists():
        raise ArchiveError(_("No such file or folder: %(path)s") % {"path": path})
    if (path / MANIFEST).is_file():
        return [dossier_verify(path)]
    if not path.is_dir():
        return [Verification(path=path, manifest=NOT_A_DOSSIER)]
    results = []
    for child in sorted(path.iterdir()):
        if child.is_dir() and not (child / MANIFEST).is_file():
            results += dossiers_verify(child)
        elif child.is_dir():
            results.append(dossier_verify(child))
        else:
            results.append(Verification(path=child, manifest=NOT_A_DOSSIER))
    return results
