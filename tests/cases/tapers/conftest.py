"""Fixtures for the taper tests: the alprazolam worked example (CLINICAL.md §6), and a case
placed through the API with a draft plan on it."""

from __future__ import annotations

import pytest

from cases.tapers.rules import TaperStep, compute_taper
from tests.cases.tapers.taper_api_helpers import create, open_case
from tests.cases.tapers.taper_helpers import START


@pytest.fixture
def alprazolam_switched() -> list[TaperStep]:
    return compute_taper(
        "alprazolam",
        2,
        switch_to_diazepam=True,
        reduction_percent=10,
        interval_days=14,
        start_date=START,
        crossover_days=0,
    )


@pytest.fixture
def case(app, login_as, clinician, counsellor):
    case_id, client_id = open_case(app, login_as, clinician, counsellor.user_id)
    return {"id": case_id, "client_id": client_id}


@pytest.fixture
def plan(clinician, case):
    response = create(clinician, case["id"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()
