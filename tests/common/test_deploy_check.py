"""`ducha check --deploy` is clean under production settings (issue 17): a secret key, no debug, a real host name,
and nothing else configured — the defaults themselves are production-safe (HSTS, HTTPS redirect, secure cookies,
the Content-Security-Policy). Any warning fails (`--fail-level WARNING`)."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

from tests import clock

REPO = Path(__file__).resolve().parents[2]


def production_environment(tmp_path: Path) -> dict[str, str]:
    # Nothing of the test run's own configuration leaks in: only the production variables below.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DUCHA_")
        # the browser tests' permission to call the ORM from Playwright's loop, never a production variable
        and name not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return {
        **inherited,
        "DUCHA_SECRET_KEY": secrets.token_urlsafe(64),
        "DUCHA_DEBUG": "0",
        "DUCHA_ALLOWED_HOSTS": "ducha.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ducha.sqlite3'}",
        "DUCHA_VAR_DIR": str(tmp_path / "var"),
    }


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = subprocess.run(
        clock.ducha_command("check", "--deploy", "--fail-level", "WARNING"),
        env=production_environment(tmp_path),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNINGS:" not in output and "ERRORS:" not in output


def test_the_check_does_fail_on_a_warning(tmp_path):
    """Guard: the same run with debug on in production (security.W018) fails, so a clean run above means clean."""
    environment = production_environment(tmp_path) | {"DUCHA_DEBUG": "1"}

    result = subprocess.run(
        clock.ducha_command("check", "--deploy", "--fail-level", "WARNING"),
        env=environment,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode != 0
    assert "security.W018" in result.stderr
