"""`make prod`'s preparation, in one process, with the production environment set by deploy/prod.sh:

1. PostgreSQL and Redis answer (else one line says which is missing, exit status 1);
2. the database named by DATABASE_URL exists (created when missing);
3. migrations;
4. the demo county, when the database has no user yet (never into a database that holds real accounts);
5. the static files collected (hashed names, gzip and Brotli variants) when their sources changed since the last
   collection — the first collection takes minutes, since every file is compressed.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


def fail(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.exit(1)


def database_create(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    name = config["NAME"]
    params = {
        "dbname": "postgres",
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    try:
        with psycopg.connect(
            **{k: v for k, v in params.items() if v is not None}, autocommit=True
        ) as connection:
            if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"prepare: database {name} created")
    except psycopg.Error as error:
        fail(f"PostgreSQL ({params['host']}:{params['port']}): {str(error).strip().splitlines()[0]}")


def redis_check(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        fail(f"Redis ({url}): {error}")


def static_fingerprint() -> str:
    """Every file the static finders would collect (name, size, modification time), and the storage."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(str(settings.STORAGES["staticfiles"]).encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            entries.append(
                f"{getattr(storage, 'prefix', '') or ''}/{path}\t{stat.st_size}\t{stat.st_mtime_ns}"
            )
    for entry in sorted(entries):
        digest.update(entry.encode() + b"\n")
    return digest.hexdigest()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.config.settings")
    if os.environ.get("DUCHA_TASKS_BACKEND", "db") == "rq":
        redis_check(os.environ.get("DUCHA_REDIS_URL", "redis://127.0.0.1:6379/0"))
    cache = os.environ.get("DUCHA_CACHE_URL", "")
    if cache:
        redis_check(cache)
    database_create(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    print("prepare: migrations")
    call_command("migrate", interactive=False, verbosity=0)
    if not get_user_model().objects.exists():
        print("prepare: an empty database: loading the demo county")
        call_command("demo")
    fingerprint = static_fingerprint()
    stamp = Path(settings.VAR_DIR) / "static.fingerprint"
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint:
        print("prepare: static files unchanged since the last collection")
    else:
        print(
            "prepare: collecting the static files (compressed with gzip and Brotli: minutes the first time)"
        )
        call_command("collectstatic", interactive=False, verbosity=1)
        stamp.write_text(fingerprint + "\n")


if __name__ == "__main__":
    main()
