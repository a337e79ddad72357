"""Backups and restores (`ducha backup`, `ducha restore`; docs/backup.md): one .tar archive holding a consistent
database dump, every file under MEDIA_ROOT and a manifest sealed with an HMAC-SM3.

An archive holds, in this order:
  database/ducha.sqlite3 or database/ducha.pgdump
                    SQLite: a copy made with SQLite's online backup API (one step under one read transaction, so
                    a consistent snapshot while others write); PostgreSQL: `pg_dump --format=custom` (a consistent
                    snapshot by itself).
  media/<path>      every regular file under MEDIA_ROOT (the attachments, evidence, clue photos, documents),
                    read after the dump: attachments are written once, so every file the snapshot refers to is
                    there. Symbolic links are not followed.
  manifest.json     format version, created_at, database vendor, the latest applied migration per app, and each
                    member's path, size and SM3 hash.
  manifest.sig      HMAC-SM3 of manifest.json's exact bytes under DUCHA_BACKUP_KEY (hex), with the key's id.

A restore verifies everything first — the signature, then every member against the manifest, no member besides
those, no unsafe path, no link — and changes nothing before that; then it refuses a target that is not empty
(`restore_target_not_empty`); then it writes the files (never over a different existing file), then the database.
Each byte written is hashed again as it is written, so an archive swapped after the check is still caught. A
restore that fails midway can be run again: files already in place and identical are skipped, and the database is
restored last (PostgreSQL: in one transaction).

The archive directory of the archive dossiers (DUCHA_ARCHIVE_DIR) is not included: those packages are exports
generated from the database and the files, and handed over to the archives.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.common import error_codes
from ducha.common.errors import InvalidState, ValidationFailed

FORMAT = "ducha-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MEDIA_PREFIX = "media/"
DATABASE_MEMBERS = {"sqlite": "database/ducha.sqlite3", "postgresql": "database/ducha.pgdump"}
SIGNATURE_ALGORITHM = "HMAC-SM3"
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
SIGNATURE_MAX_BYTES = 4096
# Tables a bare `ducha migrate` fills: a database holding rows only in these is empty for a restore (and is
# replaced whole). tests/config/test_backup.py checks that a freshly migrated database is empty by this rule.
MIGRATE_FILLED_TABLES = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "reminders_reminderrule",  # reminders 0002_default_rules
        "audit_chainhead",  # audit 0006_chain_and_guards: the chain's head, at its start
    }
)
# libpq's environment variables for the connection settings and options Django passes on.
_PG_SETTINGS = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupFailed(Exception):
    """The backup could not be made (a tool missing or failing); the message says why."""


# --- keys and hashes --------------------------------------------------------------------------------------------


def backup_key() -> bytes:
    """The key sealing manifests: DUCHA_BACKUP_KEY (hex, at least 16 bytes), or, when unset, one derived from the
    secret key (development only: production sets its own and keeps it apart from the archives)."""
    configured = str(getattr(settings, "DUCHA_BACKUP_KEY", "") or "").strip()
    if configured:
        try:
            key = bytes.fromhex(configured)
        except ValueError as error:
            raise ImproperlyConfigured("DUCHA_BACKUP_KEY must be hexadecimal.") from error
        if len(key) < 16:
            raise ImproperlyConfigured("DUCHA_BACKUP_KEY must be at least 16 bytes (32 hex digits).")
        return key
    derive = hmac.HMAC(settings.SECRET_KEY.encode(), hashes.SM3())
    derive.update(b"ducha.backup.manifest-key")
    return derive.finalize()


def key_id(key: bytes) -> str:
    """A short fingerprint naming a key (to tell a wrong key from a forged manifest); reveals nothing of it."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"ducha.backup.key-id:" + key)
    return digest.finalize().hex()[:16]


def manifest_seal(manifest_bytes: bytes, key: bytes) -> str:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(manifest_bytes)
    return mac.finalize().hex()


def _seal_matches(manifest_bytes: bytes, key: bytes, seal_hex: str) -> bool:
    try:
        seal = bytes.fromhex(seal_hex)
    except ValueError:
        return False
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(manifest_bytes)
    try:
        mac.verify(seal)  # constant time
    except InvalidSignature:
        return False
    return True


class _HashingReader:
    """A file object that hashes (SM3) and counts what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashes.Hash(hashes.SM3())
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self.digest.finalize().hex()


def file_sm3(path: Path) -> tuple[int, str]:
    """Size and SM3 (hex) of a file, streamed."""
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        while reader.read(CHUNK):
            pass
    return reader.size, reader.hexdigest()


# --- making a backup --------------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    database_member: str
    database_size: int
    media_files: int
    media_bytes: int
    skipped: list[str] = field(default_factory=list)
    manifest_sm3: str = ""


def default_archive_path(now: datetime.datetime | None = None) -> Path:
    moment = timezone.localtime(now or timezone.now())
    return Path(settings.DUCHA_BACKUP_DIR) / f"ducha-{moment:%Y%m%d-%H%M%S}.tar"


def backup_create(
    *, output: Path | str | None = None, using: str = DEFAULT_DB_ALIAS, media_root: Path | None = None
) -> BackupResult:
    """Write one archive (temporary file, then renamed into place) and record BACKUP_MADE in the audit log.

    `output`: the archive's path, or a directory for the default name (default DUCHA_BACKUP_DIR). An existing
    archive is never overwritten."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupFailed(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor})
    target = Path(output) if output is not None else default_archive_path()
    if target.is_dir() or str(output).endswith(("/", os.sep)):
        target = target / default_archive_path().name
    if target.exists():
        raise BackupFailed(_("%(path)s exists already; choose another name.") % {"path": target})
    target.parent.mkdir(parents=True, exist_ok=True)
    media = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    if _within(target.parent.resolve(), [media.resolve()]):
        # The files there are served under MEDIA_URL, and each backup would carry the ones before it.
        raise BackupFailed(_("Archives must not be written inside MEDIA_ROOT (%(path)s).") % {"path": media})
    key = backup_key()
    created_at = timezone.now()

    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=".ducha-backup-", suffix=".partial")
    partial = Path(partial_name)
    try:
        with (
            os.fdopen(handle, "wb") as raw,
            tempfile.TemporaryDirectory(dir=target.parent, prefix=".ducha-backup-") as staging,
        ):
            members: list[dict[str, Any]] = []
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
                # The database first, then the files: every file the snapshot refers to exists by then.
                dump = Path(staging) / "database"
                database_info = _dump_database(connection, dump)
                database_member = DATABASE_MEMBERS[vendor]
                migrations = _migration_state(connection)
                with dump.open("rb") as source:
                    members.append(_add_member(archive, database_member, source, created_at))
                dump.unlink()
                skipped: list[str] = []
                for relative, path in _media_files(media, skipped=skipped):
                    try:
                        source_file = path.open("rb")
                    except FileNotFoundError:  # deleted since it was listed
                        skipped.append(relative)
                        continue
                    with source_file:
                        if not stat.S_ISREG(os.fstat(source_file.fileno()).st_mode):
                            skipped.append(relative)
                            continue
                        members.append(_add_member(archive, MEDIA_PREFIX + relative, source_file, created_at))
                media_members = [member for member in members if member["path"].startswith(MEDIA_PREFIX)]
                manifest: dict[str, Any] = {
                    "format": FORMAT,
                    "version": FORMAT_VERSION,
                    "created_at": timezone.localtime(created_at).isoformat(),
                    "database": {"vendor": vendor, "member": database_member, **database_info},
                    "migrations": migrations,
                    "media": {
                        "files": len(media_members),
                        "bytes": sum(member["size"] for member in media_members),
                    },
                    "members": members,
                }
                manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                signature = {
                    "algorithm": SIGNATURE_ALGORITHM,
                    "key_id": key_id(key),
                    "mac": manifest_seal(manifest_bytes, key),
                }
                signature_bytes = json.dumps(signature, sort_keys=True).encode() + b"\n"
                _add_bytes(archive, MANIFEST, manifest_bytes, created_at)
                _add_bytes(archive, SIGNATURE, signature_bytes, created_at)
            raw.flush()
            os.fsync(raw.fileno())
        if target.exists():
            raise BackupFailed(_("%(path)s exists already; choose another name.") % {"path": target})
        os.replace(partial, target)
        _fsync_directory(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

    digest = hashes.Hash(hashes.SM3())
    digest.update(manifest_bytes)
    result = BackupResult(
        path=target,
        size=target.stat().st_size,
        database_member=database_member,
        database_size=members[0]["size"],
        media_files=manifest["media"]["files"],
        media_bytes=manifest["media"]["bytes"],
        skipped=skipped,
        manifest_sm3=digest.finalize().hex(),
    )
    _record_backup_made(result, vendor=vendor, using=using)
    return result


def _record_backup_made(result: BackupResult, *, vendor: str, using: str) -> None:
    from ducha.audit.models import EventType
    from ducha.audit.services import event_record

    try:
        event_record(
            event_type=EventType.BACKUP_MADE,
            subject_type="system",
            subject_id=0,
            actor=None,
            new={
                "archive": result.path.name,
                "size": result.size,
                "database": vendor,
                "media_files": result.media_files,
                "manifest_sm3": result.manifest_sm3,
            },
        )
    except DatabaseError:
        # A database behind the code (a backup before `ducha migrate`) may not take the event; the archive stands.
        connections[using].close()
        raise BackupFailed(
            _("The archive %(path)s was written, but the audit event could not be recorded.")
            % {"path": result.path}
        ) from None


def _add_member(
    archive: tarfile.TarFile, name: str, source: IO[bytes], mtime: datetime.datetime
) -> dict[str, Any]:
    """Stream one open file into the archive, hashing it on the way; exactly its size at opening is taken."""
    info = tarfile.TarInfo(name)
    info.size = os.fstat(source.fileno()).st_size
    info.mtime = int(mtime.timestamp())
    info.mode = 0o600
    reader = _HashingReader(source)
    archive.addfile(info, reader)  # type: ignore[arg-type]
    return {"path": name, "size": reader.size, "sm3": reader.hexdigest()}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: datetime.datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(mtime.timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def _within(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def _media_files(root: Path, *, skipped: list[str]) -> Iterator[tuple[str, Path]]:
    """(archive-relative posix path, path) of every regular file under root, sorted; links are not followed
    (listed in `skipped`), our own temporary files are left out."""
    if not root.is_dir():
        return
    resolved_root = root.resolve()
    for directory, dirnames, filenames in os.walk(resolved_root):
        current = Path(directory)
        kept = []
        for name in sorted(dirnames):
            path = current / name
            if path.is_symlink():
                skipped.append(path.relative_to(resolved_root).as_posix())
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith((".ducha-backup-", ".ducha-restore-")):
                continue
            path = current / name
            relative = path.relative_to(resolved_root).as_posix()
            try:
                mode = path.lstat().st_mode
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(mode):
                skipped.append(relative)
                continue
            yield relative, path


def _dump_database(connection: BaseDatabaseWrapper, target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        source = connection.connection
        if source.in_transaction:
            # Called inside a transaction that writes (a caller's atomic block): SQLite's backup API cannot read
            # through a connection that is writing (it would retry for ever). The database as this transaction
            # sees it, serialized in one piece, is the same consistent snapshot.
            target.write_bytes(source.serialize())
            return {"server_version": sqlite3.sqlite_version, "tool": "sqlite3 serialize"}
        destination = sqlite3.connect(target)
        try:
            # pages=-1: the whole database in one step, under one read transaction — a consistent snapshot;
            # writers in WAL mode carry on meanwhile.
            source.backup(destination, pages=-1)
        finally:
            destination.close()
        return {"server_version": sqlite3.sqlite_version, "tool": "sqlite3 backup"}
    pg_dump = _tool("pg_dump")
    completed = subprocess.run(
        [pg_dump, "--format=custom", "--no-password", f"--file={target}"],
        env=postgres_environment(connection.settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BackupFailed(_("pg_dump failed: %(error)s") % {"error": completed.stderr.strip()})
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True, check=False)
    return {
        "server_version": str(getattr(connection, "pg_version", "")),
        "tool": version.stdout.strip(),
    }


def _migration_state(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The latest applied migration per app (in the order they were applied)."""
    latest: dict[str, str] = {}
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return latest
    for app, name in recorder.migration_qs.order_by("id").values_list("app", "name"):
        latest[app] = name
    return dict(sorted(latest.items()))


def postgres_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """This process's environment with libpq's variables for the connection settings: the password travels in
    PGPASSWORD, never on a command line."""
    environment = dict(os.environ)
    for setting, variable in _PG_SETTINGS.items():
        value = settings_dict.get(setting)
        if value:
            environment[variable] = str(value)
    for option, variable in _PG_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value:
            environment[variable] = str(value)
    environment["PGDATABASE"] = str(settings_dict["NAME"])
    return environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            _("%(tool)s is not installed (Debian: apt install postgresql-client).") % {"tool": name}
        )
    return found


def _fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# --- verifying an archive ---------------------------------------------------------------------------------------


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(
        error_codes.BACKUP_INVALID, f"{error_codes.message_for(error_codes.BACKUP_INVALID)} {message}"
    )


def _tampered(message: str) -> ValidationFailed:
    return ValidationFailed(
        error_codes.BACKUP_TAMPERED, f"{error_codes.message_for(error_codes.BACKUP_TAMPERED)} {message}"
    )


def _safe_member_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    parts = PurePosixPath(name).parts
    return (
        all(part not in ("", ".", "..") for part in parts)
        and "/".join(parts) == name
        and not parts[0].endswith(":")  # a drive letter on Windows
    )


@dataclass
class VerifiedArchive:
    manifest: dict[str, Any]
    members: dict[str, tarfile.TarInfo]
    expected: dict[str, dict[str, Any]]

    @property
    def vendor(self) -> str:
        return str(self.manifest["database"]["vendor"])

    @property
    def database_member(self) -> str:
        return str(self.manifest["database"]["member"])

    @property
    def media_members(self) -> list[str]:
        return [path for path in self.expected if path.startswith(MEDIA_PREFIX)]


class ArchiveReader:
    """An archive opened once: verified, then read from the same open file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.tar = tarfile.open(self.path, mode="r:")  # noqa: SIM115 (closed by __exit__)
        except (OSError, tarfile.TarError) as error:
            raise _invalid(str(error)) from None

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.tar.close()

    def _read_small(self, member: tarfile.TarInfo, limit: int) -> bytes:
        if member.size > limit:
            raise _invalid(_("%(name)s is too large.") % {"name": member.name})
        stream = self.tar.extractfile(member)
        if stream is None:
            raise _invalid(member.name)
        return stream.read()

    def verify(self, key: bytes) -> VerifiedArchive:
        """Everything checked before anything is written: member names and kinds, the signature, then each
        member's size and SM3 against the manifest, and no member besides those it lists."""
        try:
            listed = self.tar.getmembers()
        except (OSError, tarfile.TarError) as error:
            raise _invalid(str(error)) from None
        members: dict[str, tarfile.TarInfo] = {}
        for member in listed:
            if not _safe_member_name(member.name):
                raise _tampered(_("Unsafe member path: %(name)r.") % {"name": member.name})
            if not member.isreg():
                raise _tampered(_("Member %(name)r is not a regular file.") % {"name": member.name})
            if member.name in members:
                raise _tampered(_("Member %(name)r appears twice.") % {"name": member.name})
            members[member.name] = member
        if MANIFEST not in members or SIGNATURE not in members:
            raise _invalid(_("It has no signed manifest."))
        manifest_bytes = self._read_small(members[MANIFEST], MANIFEST_MAX_BYTES)
        try:
            signature = json.loads(self._read_small(members[SIGNATURE], SIGNATURE_MAX_BYTES))
            seal = str(signature["mac"])
            algorithm = str(signature.get("algorithm", ""))
            signed_by = str(signature.get("key_id", ""))
        except (ValueError, KeyError, TypeError):
            raise _invalid(_("Its signature cannot be read.")) from None
        if algorithm != SIGNATURE_ALGORITHM:
            raise _invalid(_("Unknown signature algorithm %(name)r.") % {"name": algorithm})
        if not _seal_matches(manifest_bytes, key, seal):
            hint = ""
            if signed_by and signed_by != key_id(key):
                hint = " " + _(
                    "It says it was sealed with key %(theirs)s, and DUCHA_BACKUP_KEY is key %(ours)s."
                ) % {"theirs": signed_by, "ours": key_id(key)}
            raise _tampered(_("The manifest's signature does not match.") + hint)
        try:
            manifest = json.loads(manifest_bytes)
            if manifest.get("format") != FORMAT:
                raise _invalid(_("Not a ducha backup."))
            if manifest.get("version") != FORMAT_VERSION:
                raise _invalid(
                    _("Archive format version %(version)s is not supported.")
                    % {"version": manifest.get("version")}
                )
            expected = {str(entry["path"]): entry for entry in manifest["members"]}
            vendor = manifest["database"]["vendor"]
            database_member = manifest["database"]["member"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise _invalid(_("The manifest cannot be read.")) from None
        if DATABASE_MEMBERS.get(vendor) != database_member or database_member not in expected:
            raise _invalid(_("The manifest names no database dump."))
        for path in expected:
            if path in (MANIFEST, SIGNATURE) or not _safe_member_name(path):
                raise _tampered(_("Unsafe member path: %(name)r.") % {"name": path})
            if path != database_member and not path.startswith(MEDIA_PREFIX):
                raise _tampered(_("Unexpected member %(name)r.") % {"name": path})
        unexpected = sorted(set(members) - set(expected) - {MANIFEST, SIGNATURE})
        if unexpected:
            raise _tampered(_("Unexpected member %(name)r.") % {"name": unexpected[0]})
        missing = sorted(set(expected) - set(members))
        if missing:
            raise _tampered(_("Member %(name)r is missing.") % {"name": missing[0]})
        for path, entry in expected.items():
            member = members[path]
            if member.size != entry["size"]:
                raise _tampered(_("Member %(name)r has the wrong size.") % {"name": path})
            stream = self.tar.extractfile(member)
            assert stream is not None  # a regular file
            reader = _HashingReader(stream)
            while reader.read(CHUNK):
                pass
            if reader.size != entry["size"] or reader.hexdigest() != entry["sm3"]:
                raise _tampered(_("Member %(name)r does not match its hash.") % {"name": path})
        return VerifiedArchive(manifest=manifest, members=members, expected=expected)

    def extract_to(self, verified: VerifiedArchive, path: str, destination: IO[bytes]) -> None:
        """Copy one member into an open file, hashing it again on the way (the archive may have been swapped
        since it was verified)."""
        stream = self.tar.extractfile(verified.members[path])
        assert stream is not None
        reader = _HashingReader(stream)
        while chunk := reader.read(CHUNK):
            destination.write(chunk)
        entry = verified.expected[path]
        if reader.size != entry["size"] or reader.hexdigest() != entry["sm3"]:
            raise _tampered(_("Member %(name)r changed while it was restored.") % {"name": path})
        destination.flush()
        os.fsync(destination.fileno())


def archive_check(*, archive: Path, key: bytes | None = None) -> dict[str, Any]:
    """Verify an archive without restoring it; the manifest when it is intact."""
    with ArchiveReader(archive) as reader:
        return reader.verify(key if key is not None else backup_key()).manifest


# --- restoring --------------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    vendor: str
    database: str
    media_written: int
    media_present: int
    pending_migrations: list[str]
    manifest: dict[str, Any]


def archive_restore(
    *, archive: Path, media_root: Path | None = None, using: str = DEFAULT_DB_ALIAS, key: bytes | None = None
) -> RestoreResult:
    """Restore an archive into an empty database and MEDIA_ROOT. Refuses, having changed nothing: an archive
    that does not verify (backup_invalid, backup_tampered), made on another database vendor or by a newer version
    (backup_invalid), a target database holding data or a media file that differs (restore_target_not_empty).
    The application must be stopped meanwhile. Nothing is written to the audit log: the restored database is
    exactly the archive's."""
    connection = connections[using]
    media = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    with ArchiveReader(archive) as reader:
        verified = reader.verify(key if key is not None else backup_key())
        if verified.vendor != connection.vendor:
            raise _invalid(
                _("It holds a %(theirs)s database; the configured database is %(ours)s.")
                % {"theirs": verified.vendor, "ours": connection.vendor}
            )
        pending = _migrations_compared(verified.manifest.get("migrations") or {})
        if connection.vendor == "sqlite":
            database_file = _sqlite_target(connection)
            _sqlite_require_empty(database_file)
        else:
            has_tables = _postgres_require_empty(connection)
        to_write = _media_plan(reader, verified, media)

        # Nothing changed until here. The files first, then the database: a run that fails midway can be run
        # again (identical files are skipped; the database is still empty).
        for path in to_write:
            _restore_media_file(reader, verified, path, media)
        if connection.vendor == "sqlite":
            _sqlite_restore(reader, verified, database_file)
            label = str(database_file)
        else:
            _postgres_restore(reader, verified, connection, clean=has_tables)
            label = str(connection.settings_dict["NAME"])
    return RestoreResult(
        vendor=verified.vendor,
        database=label,
        media_written=len(to_write),
        media_present=len(verified.media_members) - len(to_write),
        pending_migrations=pending,
        manifest=verified.manifest,
    )


def _migrations_compared(archived: dict[str, str]) -> list[str]:
    """Refuse an archive made by a newer version (a migration this code does not know); the code's migrations
    the archive has not got (`ducha migrate` applies them after the restore)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    on_disk = set(loader.disk_migrations)
    for app, name in archived.items():
        if app in loader.migrated_apps and (app, name) not in on_disk:
            raise _invalid(
                _(
                    "It was made by a newer version (migration %(app)s.%(name)s is unknown here): "
                    "install that version first."
                )
                % {"app": app, "name": name}
            )
    return [f"{app}.{name}" for app, name in sorted(loader.graph.leaf_nodes()) if archived.get(app) != name]


def _not_empty(message: str) -> InvalidState:
    return InvalidState(
        error_codes.RESTORE_NOT_EMPTY, f"{error_codes.message_for(error_codes.RESTORE_NOT_EMPTY)} {message}"
    )


def _sqlite_target(connection: BaseDatabaseWrapper) -> Path:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise _invalid(_("The configured SQLite database %(name)r is not a file.") % {"name": name})
    return Path(name)


def sqlite_holding_table(path: Path) -> str | None:
    """None when the SQLite database at path is empty for a restore (no file, an empty file, or no rows beyond
    those `ducha migrate` writes); otherwise a table holding rows (or a reason)."""
    if not path.exists():
        return None
    if path.is_file() and path.stat().st_size == 0:
        return None
    if not path.is_file():
        return str(path)
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as database:
            names = [
                row[0]
                for row in database.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                    "ESCAPE '\\' ORDER BY name"
                )
            ]
            for name in names:
                if name in MIGRATE_FILLED_TABLES:
                    continue
                quoted = '"' + name.replace('"', '""') + '"'
                if database.execute(f"SELECT 1 FROM {quoted} LIMIT 1").fetchone() is not None:
                    return name
    except sqlite3.DatabaseError:
        return str(path)  # not a database: not ours to replace
    return None


def _sqlite_require_empty(path: Path) -> None:
    holding = sqlite_holding_table(path)
    if holding is not None:
        raise _not_empty(_("%(path)s holds data (%(table)s).") % {"path": path, "table": holding})


def _postgres_require_empty(connection: BaseDatabaseWrapper) -> bool:
    """Refuse unless every table is empty (besides those `ducha migrate` fills); whether there are tables."""
    try:
        with connection.cursor() as cursor:
            names = connection.introspection.table_names(cursor)
            for name in names:
                if name in MIGRATE_FILLED_TABLES:
                    continue
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(name)})")
                if cursor.fetchone()[0]:
                    raise _not_empty(
                        _("Database %(name)s holds data (%(table)s).")
                        % {"name": connection.settings_dict["NAME"], "table": name}
                    )
    except DatabaseError as error:
        raise BackupFailed(
            _("Cannot read the target database (create it first: createdb): %(error)s")
            % {"error": str(error).strip()}
        ) from None
    finally:
        connection.close()
    return bool(names)


def _media_plan(reader: ArchiveReader, verified: VerifiedArchive, media: Path) -> list[str]:
    """The media members to write; refuses a path leaving MEDIA_ROOT or an existing different file."""
    root = media.resolve()
    to_write = []
    for path in verified.media_members:
        relative = path[len(MEDIA_PREFIX) :]
        destination = root / relative
        real = Path(os.path.realpath(destination))
        if root != real and root not in real.parents:
            raise _tampered(_("Member %(name)r would be written outside MEDIA_ROOT.") % {"name": path})
        if os.path.lexists(destination):
            entry = verified.expected[path]
            same = destination.is_file() and file_sm3(destination) == (entry["size"], entry["sm3"])
            if not same:
                raise _not_empty(
                    _("%(path)s exists and differs from the archive's copy.") % {"path": destination}
                )
            continue
        to_write.append(path)
    return to_write


def _restore_media_file(reader: ArchiveReader, verified: VerifiedArchive, path: str, media: Path) -> None:
    destination = media.resolve() / path[len(MEDIA_PREFIX) :]
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(dir=destination.parent, prefix=".ducha-restore-")
    partial = Path(partial_name)
    try:
        with os.fdopen(handle, "wb") as out:
            reader.extract_to(verified, path, out)
        os.chmod(partial, 0o644 & ~_umask())
        if os.path.lexists(destination):  # appeared meanwhile: never overwritten
            raise _not_empty(
                _("%(path)s exists and differs from the archive's copy.") % {"path": destination}
            )
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _sqlite_restore(reader: ArchiveReader, verified: VerifiedArchive, database_file: Path) -> None:
    database_file.parent.mkdir(parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(dir=database_file.parent, prefix=".ducha-restore-")
    partial = Path(partial_name)
    try:
        with os.fdopen(handle, "wb") as out:
            reader.extract_to(verified, verified.database_member, out)
        # Checked empty just now; the old journal files belong to the old file and must not meet the new one.
        _sqlite_require_empty(database_file)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{database_file}{suffix}").unlink(missing_ok=True)
        os.replace(partial, database_file)
        _fsync_directory(database_file.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _postgres_restore(
    reader: ArchiveReader, verified: VerifiedArchive, connection: BaseDatabaseWrapper, *, clean: bool
) -> None:
    pg_restore = _tool("pg_restore")
    with tempfile.TemporaryDirectory(prefix="ducha-restore-") as staging:
        dump = Path(staging) / "ducha.pgdump"
        with dump.open("wb") as out:
            reader.extract_to(verified, verified.database_member, out)
        command = [
            pg_restore,
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",  # all or nothing: a failed restore leaves the database as it was
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
        ]
        if clean:
            # A freshly migrated (empty) database: its empty tables make way for the archive's.
            command += ["--clean", "--if-exists"]
        connection.close()
        completed = subprocess.run(
            [*command, str(dump)],
            env=postgres_environment(connection.settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        raise BackupFailed(_("pg_restore failed: %(error)s") % {"error": completed.stderr.strip()})
