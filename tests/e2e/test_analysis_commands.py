"""`leadline import`, `spend`, `report` and `export`, run as processes the way an admin would."""

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest

LEADLINE = str(Path(sys.executable).parent / "leadline")
OCTOBER = "2026-10-01..2026-10-31"

IMPORT_FILE = """name,phone,email,source,created_at,external_id,value
Anna,+49 151 10000001,anna@example.com,landing,2026-10-05 10:00,A-1,1200
Boris,+49 151 10000002,,landing,2026-10-06 11:30,A-2,
Anna again,+49 151 10000001,,landing,2026-10-07 09:00,,
Bad phone,12,,landing,2026-10-07 09:00,,
Nobody,,,landing,2026-10-08 09:00,,
Stranger,+49 151 10000009,,nowhere,2026-10-08 09:00,,
"""


class Admin:
    """Runs `leadline` commands in a folder of their own, on an SQLite database there."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "LEADLINE_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'leadline.db'}",
            "LEADLINE_LOG_LEVEL": "WARNING",
            "LEADLINE_CURRENCY": "EUR",
            "LEADLINE_TIMEZONE": "UTC",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a command and return what it printed."""
        return subprocess.run(
            [LEADLINE, *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    """An installation with one source, landing, and the import file written."""
    admin = Admin(tmp_path)
    assert admin.run("source", "add", "landing").returncode == 0
    (tmp_path / "leads.csv").write_text(IMPORT_FILE)
    return admin


def test_import_takes_merges_and_rejects_lines_with_reasons(admin: Admin) -> None:
    done = admin.run("import", "leads.csv", "--rejects", "rejects.csv")

    assert done.returncode == 0, done.stderr
    assert "Taken: 2 · merged as duplicates: 1 · already imported: 0 · rejected: 3" in done.stderr
    assert "line 5: The phone has no country code; write it as +<country><number>" in (done.stderr)
    assert "line 6: No phone or e-mail to reach the person." in done.stderr
    assert "line 7: Unknown source 'nowhere'" in done.stderr
    rejects = list(csv.reader((admin.folder / "rejects.csv").open()))
    assert [row[0] for row in rejects] == ["line", "5", "6", "7"]


def test_importing_the_same_file_again_adds_no_lead(admin: Admin) -> None:
    # A2's external id is known now (already imported); every other line's contact has
    # an open lead, so they are merged into it; the bad lines are rejected again.
    admin.run("import", "leads.csv")

    again = admin.run("import", "leads.csv")

    assert "Taken: 0 · merged as duplicates: 1 · already imported: 2 · rejected: 3" in (
        again.stderr
    )


def test_spend_report_and_export(admin: Admin, tmp_path: Path) -> None:
    # October: two leads from landing, 200 spent on it over the whole month, so 100 per
    # lead; no deals, so no cost per deal.
    admin.run("import", "leads.csv")

    added = admin.run(
        "spend", "add", "landing", "200", "--from", "2026-10-01", "--to", "2026-10-31"
    )
    listed = admin.run("spend", "list", "--period", OCTOBER)
    report = admin.run("report", "--period", OCTOBER, "--charts", "charts")
    exported = admin.run("export", "--period", OCTOBER)

    assert added.returncode == 0, added.stderr
    assert "Recorded 200.00 EUR on landing for 2026-10-01 to 2026-10-31." in added.stderr
    assert "landing" in listed.stdout
    assert "200.00 EUR" in listed.stdout
    assert report.returncode == 0, report.stderr
    assert "Leads in" in report.stdout
    assert "2 (off hours 0)" in report.stdout
    assert re.search(r"│ landing\s+│\s+2 │", report.stdout)
    assert re.search(r"│\s+200\.00 │\s+100\.00 │\s+— │", report.stdout)
    charts = sorted(path.name for path in (tmp_path / "charts").iterdir())
    assert charts == ["cost-per-deal.png", "funnel.png"]
    image = matplotlib.image.imread(tmp_path / "charts" / "funnel.png")
    assert image.shape[:2] == (900, 1200)
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(row["name"], row["source"], row["phone"]) for row in rows] == [
        ("Anna", "landing", "+4915110000001"),
        ("Boris", "landing", "+4915110000002"),
    ]
    assert rows[0]["created_at"] == "2026-10-05T10:00:00+00:00"
    assert rows[0]["outcome"] == "open"
    assert "Exported 2 leads" in exported.stderr


def test_report_refuses_a_period_it_cannot_read(admin: Admin) -> None:
    done = admin.run("report", "--period", "last tuesday")

    assert done.returncode == 2
    assert "leadline: Cannot read 'last' as a date; write 2026-11-01 or 01.11.2026." in done.stderr
