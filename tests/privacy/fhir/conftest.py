"""Fixtures for the FHIR export tests: the staff who build a record through the API."""

from __future__ import annotations

import pytest

from tests.privacy.fhir.fhir_record import Staff


@pytest.fixture
def staff(intake, clinician, counsellor) -> Staff:
    return Staff(intake=intake, clinician=clinician, counsellor=counsellor)
