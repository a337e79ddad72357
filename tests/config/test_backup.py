"""`ducha backup` and `ducha restore` (ducha.config.backup; docs/backup.md): a round trip gives the same rows in
every table and the same files; a restore refuses a target holding data, and a tampered archive, having changed
nothing. The backups are made in this process (the test database); the restores run as `ducha restore` processes
on a database file and a media folder of their own, at the suite's instant (tests/clock.py)."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.config import backup
from ducha.items import services as item_services
from ducha.items.lifecycle import ItemStatus
from tests import clock
from tests.helpers import item_in

REPO = Path(__file__).resolve().parents[2]
KEY = "5a" * 32
OTHER_KEY = "a5" * 32
# Django's SQLite connection converts declared types (dates, booleans, decimals); the restored file is read the same
# way, so both sides' rows compare value for value.
DETECT_TYPES = sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES


@pytest.fixture(autouse=True)
def _backup_key(settings) -> None:
    settings.DUCHA_BACKUP_KEY = KEY


def _env(database: str, media: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database,
        DUCHA_MEDIA_ROOT=str(media),
        DUCHA_BACKUP_KEY=KEY,
        DJANGO_SETTINGS_MODULE="ducha.config.settings",
        DUCHA_TASKS_BACKEND="immediate",
        DUCHA_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def _ducha(*argv: str, database: str, media: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        clock.ducha_command(*argv),
        env=_env(database, media, **extra),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _restore(archive: Path, database: Path, media: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _ducha("restore", str(archive), *extra, database=f"sqlite:///{database}", media=media)


def _sqlite_tables(database: sqlite3.Connection) -> dict[str, tuple[str, int, str]]:
    """Per table (and sqlite_sequence): its schema, its row count and a hash of its rows in a fixed order."""
    tables = database.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_stat1' ORDER BY name"
    ).fetchall()
    result = {}
    for name, sql in tables:
        rows = database.execute(f'SELECT * FROM "{name}"').fetchall()
        digest = hashlib.sha256("\n".join(sorted(repr(row) for row in rows)).encode()).hexdigest()
        result[name] = (sql, len(rows), digest)
    return result


def _files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _fill(world, settings) -> None:
    """Rows of every kind the demo county has, an item with an attachment, and a file in a folder of its own."""
    item = item_in(world, ItemStatus.IN_PROGRESS)
    item_services.item_attachment_add(
        item_id=item.pk,
        actor=world.user("fgw"),
        upload=SimpleUploadedFile("整改说明.txt", "整改说明：已完成第一阶段。\n".encode() * 300),
    )
    extra = Path(settings.MEDIA_ROOT) / "clues" / "2026" / "photo.bin"
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_bytes(bytes(range(256)) * 40)


@pytest.fixture
def made(world, settings, tmp_path) -> dict:
    """A backup of the test database and its media folder, with the tables and files as they were just before."""
    _fill(world, settings)
    before = _sqlite_tables(connection.connection) if connection.vendor == "sqlite" else None
    files = _files(Path(settings.MEDIA_ROOT))
    out = io.StringIO()
    archive = tmp_path / "backups" / "ducha.tar"
    call_command("backup", output=archive, stdout=out)
    return {"archive": archive, "tables": before, "files": files, "stdout": out.getvalue()}


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile(backup.MANIFEST).read())


# --- the round trip ---------------------------------------------------------------------------------------------


def _require_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("restores an archive of the test database into a database file (PostgreSQL: below)")


def test_round_trip_on_sqlite_gives_identical_rows_and_files(made, tmp_path):
    _require_sqlite()
    # given an empty machine: no database file, no media folder
    database = tmp_path / "restored" / "db.sqlite3"
    media = tmp_path / "restored-media"

    done = _restore(made["archive"], database, media)

    assert done.returncode == 0, done.stderr
    with contextlib.closing(sqlite3.connect(database, detect_types=DETECT_TYPES)) as restored:
        tables = _sqlite_tables(restored)
    assert tables == made["tables"]
    assert tables["items_attachment"][1] == 1
    assert tables["orgs_user"][1] > 10
    assert _files(media) == made["files"]
    assert len(made["files"]) == 2


def test_backup_writes_a_sealed_manifest_and_logs_the_backup(made, settings):
    archive = made["archive"]
    manifest = _manifest(archive)

    assert str(archive) in made["stdout"]
    assert manifest["format"] == backup.FORMAT and manifest["version"] == backup.FORMAT_VERSION
    assert manifest["database"]["vendor"] == connection.vendor
    applied = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            applied[app] = name
    assert manifest["migrations"] == applied
    media = {entry["path"]: entry for entry in manifest["members"] if entry["path"].startswith("media/")}
    extra = Path(settings.MEDIA_ROOT) / "clues" / "2026" / "photo.bin"
    entry = media["media/clues/2026/photo.bin"]
    assert entry["size"] == extra.stat().st_size
    assert entry["sm3"] == backup.file_sm3(extra)[1]
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == sorted(
            [entry["path"] for entry in manifest["members"]] + ["manifest.json", "manifest.sig"]
        )
        signature = json.loads(tar.extractfile("manifest.sig").read())
        manifest_bytes = tar.extractfile("manifest.json").read()
    assert signature["mac"] == backup.manifest_seal(manifest_bytes, bytes.fromhex(KEY))
    assert oct(archive.stat().st_mode & 0o777) == oct(0o600)
    event = Event.objects.get(event_type=EventType.BACKUP_MADE)
    assert (event.subject_type, event.subject_id, event.actor_id) == ("system", 0, None)
    assert event.new["archive"] == archive.name
    assert event.new["size"] == archive.stat().st_size


def test_check_verifies_an_intact_archive_and_changes_nothing(made, settings):
    out = io.StringIO()
    media_before = _files(Path(settings.MEDIA_ROOT))

    call_command("restore", str(made["archive"]), check=True, stdout=out)

    assert _files(Path(settings.MEDIA_ROOT)) == media_before
    assert Event.objects.filter(event_type=EventType.BACKUP_MADE).count() == 1


def test_a_failed_backup_leaves_no_archive(world, settings, tmp_path, monkeypatch):
    _fill(world, settings)
    folder = tmp_path / "backups"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(backup, "_add_bytes", broken)
    with pytest.raises(OSError, match="disk full"):
        call_command("backup", output=folder / "ducha.tar", stdout=io.StringIO())

    assert list(folder.iterdir()) == []
    assert not Event.objects.filter(event_type=EventType.BACKUP_MADE).exists()


def test_backup_never_overwrites_an_archive(made):
    before = made["archive"].read_bytes()

    with pytest.raises(CommandError):
        call_command("backup", output=made["archive"], stdout=io.StringIO())

    assert made["archive"].read_bytes() == before


# --- targets that are not empty -----------------------------------------------------------------------------------


def test_restore_refuses_a_database_holding_data_and_changes_nothing(made, tmp_path):
    _require_sqlite()
    database = tmp_path / "target" / "db.sqlite3"
    database.parent.mkdir()
    with contextlib.closing(sqlite3.connect(database)) as target:
        target.execute("CREATE TABLE items_item (id INTEGER PRIMARY KEY, title TEXT)")
        target.execute("INSERT INTO items_item VALUES (1, '在办事项')")
        target.commit()
    before = database.read_bytes()
    media = tmp_path / "target-media"
    media.mkdir()

    done = _restore(made["archive"], database, media)

    assert done.returncode == 1
    assert codes.RESTORE_NOT_EMPTY in done.stderr
    assert database.read_bytes() == before
    assert sorted(database.parent.iterdir()) == [database]
    assert list(media.iterdir()) == []


def test_restore_refuses_to_overwrite_a_different_file_and_changes_nothing(made, tmp_path):
    _require_sqlite()
    database = tmp_path / "target" / "db.sqlite3"
    media = tmp_path / "target-media"
    clash = media / "clues" / "2026" / "photo.bin"
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"another photo")

    done = _restore(made["archive"], database, media)

    assert done.returncode == 1
    assert codes.RESTORE_NOT_EMPTY in done.stderr
    assert clash.read_bytes() == b"another photo"
    assert [path for path in media.rglob("*") if path.is_file()] == [clash]
    assert not database.exists()


def test_restore_into_a_freshly_migrated_database(made, tmp_path):
    """`ducha migrate` on a new machine fills a few tables itself (backup.MIGRATE_FILLED_TABLES); such a database
    is empty for a restore. Fails when a new migration starts filling another table."""
    _require_sqlite()
    database = tmp_path / "target" / "db.sqlite3"
    database.parent.mkdir()
    media = tmp_path / "target-media"
    migrated = _ducha("migrate", "-v0", database=f"sqlite:///{database}", media=media)
    assert migrated.returncode == 0, migrated.stderr
    assert backup.sqlite_holding_table(database) is None

    done = _restore(made["archive"], database, media)

    assert done.returncode == 0, done.stderr
    with contextlib.closing(sqlite3.connect(database, detect_types=DETECT_TYPES)) as restored:
        assert _sqlite_tables(restored) == made["tables"]


def test_backup_command_on_a_database_file(made, tmp_path):
    """`ducha backup` as deployed (its own process, SQLite's online backup API on a WAL database file), backing
    up a restored database: the dump holds the same rows again, and the archive verifies."""
    _require_sqlite()
    database = tmp_path / "restored" / "db.sqlite3"
    media = tmp_path / "restored-media"
    assert _restore(made["archive"], database, media).returncode == 0
    second = tmp_path / "second.tar"

    done = _ducha("backup", "--output", str(second), database=f"sqlite:///{database}", media=media)

    assert done.returncode == 0, done.stderr
    assert str(second) in done.stdout
    manifest = backup.archive_check(archive=second)
    assert manifest["database"]["tool"] == "sqlite3 backup"
    with tarfile.open(second) as tar:
        (tmp_path / "dump.sqlite3").write_bytes(tar.extractfile("database/ducha.sqlite3").read())
    with contextlib.closing(sqlite3.connect(tmp_path / "dump.sqlite3", detect_types=DETECT_TYPES)) as dump:
        assert _sqlite_tables(dump) == made["tables"]
    assert {entry["path"] for entry in manifest["members"]} == {
        entry["path"] for entry in _manifest(made["archive"])["members"]
    }


# --- tampered archives --------------------------------------------------------------------------------------------


def _rewrite(
    source: Path,
    target: Path,
    *,
    change: Callable[[str, bytes], bytes] | None = None,
    add: tuple[tuple[tarfile.TarInfo, bytes], ...] = (),
) -> Path:
    with tarfile.open(source) as old, tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if change is not None:
                data = change(member.name, data)
            info = copy.copy(member)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
        for info, data in add:
            info.size = len(data) if info.isreg() else 0
            new.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return target


def _one_byte_changed(name: str, data: bytes) -> bytes:
    if name != "media/clues/2026/photo.bin":
        return data
    return data[:100] + bytes([data[100] ^ 1]) + data[101:]


def _database_byte_changed(name: str, data: bytes) -> bytes:
    if not name.startswith("database/"):
        return data
    return data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:]


def _manifest_edited(name: str, data: bytes) -> bytes:
    """The photo's hash and size in the manifest made to fit another photo, the signature left as it was."""
    if name == backup.MANIFEST:
        manifest = json.loads(data)
        for entry in manifest["members"]:
            if entry["path"] == "media/clues/2026/photo.bin":
                entry["size"] = 3
                entry["sm3"] = _sm3(b"abc")  # consistent with the new photo: only the signature tells
        return json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    if name == "media/clues/2026/photo.bin":
        return b"abc"
    return data


def _resealed_with_another_key(name: str, data: bytes) -> bytes:
    if name == backup.SIGNATURE:
        return data  # replaced below
    return _manifest_edited(name, data)


def _sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.mode = 0o644
    return info


TAMPERINGS = {
    "one-byte-of-a-file": {"change": _one_byte_changed},
    "one-byte-of-the-database": {"change": _database_byte_changed},
    "a-member-added": {"add": ((_member("media/extra.txt"), b"planted"),)},
    "manifest-edited-without-the-key": {"change": _manifest_edited},
    "path-traversal": {"add": ((_member("media/../../escaped.txt"), b"escaped"),)},
    "absolute-path": {"add": ((_member("/tmp/ducha-absolute.txt"), b"absolute"),)},
    "symbolic-link": {"add": ((_member("media/passwd", tarfile.SYMTYPE, "/etc/passwd"), b""),)},
    "hard-link": {"add": ((_member("media/linked", tarfile.LNKTYPE, "manifest.json"), b""),)},
}


def _tampered(made: dict, tmp_path: Path, how: str) -> Path:
    forged = tmp_path / f"forged-{how}.tar"
    if how == "manifest-resealed-with-another-key":
        _rewrite(made["archive"], forged, change=_resealed_with_another_key)
        with tarfile.open(forged) as tar:
            manifest_bytes = tar.extractfile(backup.MANIFEST).read()
        other = bytes.fromhex(OTHER_KEY)
        seal = {
            "algorithm": "HMAC-SM3",
            "key_id": backup.key_id(other),
            "mac": backup.manifest_seal(manifest_bytes, other),
        }
        return _rewrite(
            forged,
            tmp_path / "forged-resealed.tar",
            change=lambda name, data: json.dumps(seal).encode() if name == backup.SIGNATURE else data,
        )
    return _rewrite(made["archive"], forged, **TAMPERINGS[how])


@pytest.mark.parametrize("how", ["one-byte-of-a-file", "a-member-added", "manifest-edited-without-the-key"])
def test_restore_refuses_a_tampered_archive_and_changes_nothing(made, tmp_path, how):
    forged = _tampered(made, tmp_path, how)
    database = tmp_path / "target" / "db.sqlite3"
    media = tmp_path / "target-media"

    done = _restore(forged, database, media)

    assert done.returncode == 1
    assert codes.BACKUP_TAMPERED in done.stderr
    assert not database.exists() and not database.parent.exists()
    assert not media.exists()


@pytest.mark.parametrize("how", [*TAMPERINGS, "manifest-resealed-with-another-key"])
def test_verification_refuses_every_tampering(made, tmp_path, how):
    """The same checks in this process, for more kinds of forgery: a full restore (into the test database, which
    is refused later anyway) stops at the archive and writes no file."""
    forged = _tampered(made, tmp_path, how)
    media = tmp_path / "target-media"

    with pytest.raises(CommandError, match=codes.BACKUP_TAMPERED):
        call_command("restore", str(forged), check=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match=codes.BACKUP_TAMPERED):
        call_command("restore", str(forged), media_root=media, stdout=io.StringIO())

    assert not media.exists()
    assert not (tmp_path / "escaped.txt").exists()


def _sealed_with_the_key(made: dict, tmp_path: Path, info: tarfile.TarInfo, data: bytes) -> Path:
    """An archive with one more member that its manifest lists too, sealed with the right key: what only the
    checks of paths and kinds refuse (a forger holding the key, or a bug in the backup)."""
    forged = tmp_path / "sealed.tar"
    manifest = _manifest(made["archive"])
    manifest["members"].append({"path": info.name, "size": len(data), "sm3": _sm3(data)})
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    key = bytes.fromhex(KEY)
    seal = json.dumps(
        {
            "algorithm": "HMAC-SM3",
            "key_id": backup.key_id(key),
            "mac": backup.manifest_seal(manifest_bytes, key),
        }
    ).encode()
    replaced = {backup.MANIFEST: manifest_bytes, backup.SIGNATURE: seal}
    return _rewrite(
        made["archive"],
        forged,
        change=lambda name, old: replaced.get(name, old),
        add=((info, data),),
    )


@pytest.mark.parametrize(
    ("info", "data"),
    [
        (_member("media/../../escaped.txt"), b"escaped"),
        (_member("media/clues/../../../escaped.txt"), b"escaped"),
        (_member("media/passwd", tarfile.SYMTYPE, "../escaped.txt"), b""),
        (_member("media/linked", tarfile.LNKTYPE, "manifest.json"), b""),
    ],
    ids=["dot-dot", "dot-dot-inside", "symbolic-link", "hard-link"],
)
def test_unsafe_paths_are_refused_even_under_a_valid_seal(made, tmp_path, info, data):
    forged = _sealed_with_the_key(made, tmp_path, info, data)
    media = tmp_path / "target-media"

    with pytest.raises(CommandError, match=codes.BACKUP_TAMPERED):
        call_command("restore", str(forged), media_root=media, stdout=io.StringIO())

    assert not media.exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_an_archive_checked_with_another_key_is_refused(made, settings):
    settings.DUCHA_BACKUP_KEY = OTHER_KEY

    with pytest.raises(CommandError, match=codes.BACKUP_TAMPERED):
        call_command("restore", str(made["archive"]), check=True, stdout=io.StringIO())


@pytest.mark.parametrize("content", [b"", b"not a tar at all" * 100])
def test_a_file_that_is_no_archive_is_invalid(tmp_path, content, db):
    path = tmp_path / "not.tar"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=codes.BACKUP_INVALID):
        call_command("restore", str(path), check=True, stdout=io.StringIO())


# --- PostgreSQL -------------------------------------------------------------------------------------------------


def _pg_tables(cursor) -> dict[str, tuple[int, str]]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    result = {}
    for (name,) in cursor.fetchall():
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{name}\" t"
        )
        count, digest = cursor.fetchone()
        result[name] = (count, digest)
    return result


def _major(text: str) -> int:
    return int("".join(ch if ch.isdigit() or ch == "." else " " for ch in text).split()[0].split(".")[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_round_trip_on_postgresql(world, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed (postgresql-client)")
    tool = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True).stdout
    if _major(tool) < connection.pg_version // 10000:
        pytest.skip(f"{tool.strip()} is older than the server ({connection.pg_version})")
    _fill(world, settings)
    with connection.cursor() as cursor:
        before = _pg_tables(cursor)
    files = _files(Path(settings.MEDIA_ROOT))
    archive = tmp_path / "ducha.tar"
    call_command("backup", output=archive, stdout=io.StringIO())

    name = f"ducha_restore_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        source = connection.settings_dict
        credentials = source["USER"] + (f":{source['PASSWORD']}" if source["PASSWORD"] else "")
        url = f"postgres://{credentials}@{source['HOST'] or '127.0.0.1'}:{source['PORT'] or 5432}/{name}"
        media = tmp_path / "restored-media"

        done = _ducha("restore", str(archive), database=url, media=media)

        assert done.returncode == 0, done.stderr
        import psycopg

        with psycopg.connect(
            dbname=name,
            host=source["HOST"] or "127.0.0.1",
            port=source["PORT"] or 5432,
            user=source["USER"],
            password=source["PASSWORD"] or None,
        ) as restored:
            after = _pg_tables(restored.cursor())
        assert after == before
        assert after["items_attachment"][0] == 1
        assert _files(media) == files

        # a second restore into the same (now full) database is refused
        again = _ducha("restore", str(archive), database=url, media=tmp_path / "other-media")
        assert again.returncode == 1
        assert codes.RESTORE_NOT_EMPTY in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
