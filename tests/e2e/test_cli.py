"""The `leadline` command as an admin runs it: settings errors, sources, migrations."""

import os
import subprocess
from pathlib import Path

from tests.e2e.conftest import LEADLINE


def leadline(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `leadline` in a folder with only the given LEADLINE_ settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEADLINE_")}
    clean.setdefault("LEADLINE_DATABASE_URL", f"sqlite:///{folder / 'leadline.db'}")
    return subprocess.run(
        [LEADLINE, *args],
        env={**clean, **env},
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_without_a_token_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    done = leadline(tmp_path, "serve")

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "leadline: Setting LEADLINE_TELEGRAM_TOKEN is missing: "
        "get a token from @BotFather and put it in .env."
    ]


def test_a_malformed_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    done = leadline(tmp_path, "serve", LEADLINE_HTTP_PORT="eighty")

    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "LEADLINE_HTTP_PORT" in done.stderr


def test_an_unknown_timezone_is_named(tmp_path: Path) -> None:
    done = leadline(tmp_path, "check", LEADLINE_TIMEZONE="Mars/Olympus")

    assert done.returncode == 2
    assert "LEADLINE_TIMEZONE" in done.stderr
    assert "Mars/Olympus" in done.stderr


def test_source_add_prints_the_token_alone_on_the_last_line(tmp_path: Path) -> None:
    first = leadline(tmp_path, "source", "add", "landing")
    again = leadline(tmp_path, "source", "add", "landing")

    token = first.stdout.strip().splitlines()[-1]
    assert first.returncode == 0
    assert token.startswith("ll_")
    assert " " not in token
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_migrate_twice_is_harmless(tmp_path: Path) -> None:
    first = leadline(tmp_path, "migrate")
    second = leadline(tmp_path, "migrate")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "Database schema is up to date."
