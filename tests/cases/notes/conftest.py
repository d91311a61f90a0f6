"""Fixtures for the clinical-notes tests."""

from __future__ import annotations

import pytest

from tests.cases.notes.notes_helpers import open_case


@pytest.fixture
def case(login_as):
    return open_case(login_as)
