"""The import-linter contracts in pyproject.toml hold for the code, and fail when a lower layer
imports a higher one or a rule module imports the database (proved on a throwaway copy)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("centre", "core", "auth", "intake", "cases", "scheduling", "aftercare", "reports")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc", "static")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_every_contract():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/clock.py", "import reports.service", "Domains are layered"),
        ("intake/clients/models.py", "import cases.episodes.models", "Domains are layered"),
        ("intake/instruments/phq9.py", "import sqlalchemy", "Clinical rules are pure"),
        ("cases/tapers/rules.py", "from core.extensions import db", "Clinical rules are pure"),
    ],
)
def test_a_throwaway_import_breaks_the_contract(copy, module, line, contract):
    path = copy / module
    path.write_text(path.read_text() + f"\n{line}  # throwaway\n")
    result = lint(copy)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout
