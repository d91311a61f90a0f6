"""Helpers for the taper rule tests (test_taper_*.py, CLINICAL.md §6): a start date, its days,
and a plan computed without a switch unless asked."""

import datetime as dt

from cases.tapers.rules import TaperStep, compute_taper

START = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def doses(steps: list[TaperStep]) -> list[float]:
    return [s.daily_dose_mg for s in steps]


def plan(medication="diazepam", dose=10.0, **kwargs) -> list[TaperStep]:
    kwargs.setdefault("switch_to_diazepam", False)
    kwargs.setdefault("start_date", START)
    return compute_taper(medication, dose, **kwargs)
