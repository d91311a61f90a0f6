"""The figures of `bench.run`: one `Result` per measurement (median vs baseline median, and
its target), and the Markdown table they are printed in."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    measured: float
    baseline: float
    unit: str
    target: float
    higher_is_better: bool = False
    detail: str = ""

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline

    @property
    def passed(self) -> bool:
        if self.higher_is_better:
            return self.ratio >= self.target
        return self.ratio <= self.target


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], scale: float = 1.0) -> str:
    """'min … / max …' of `values` times `scale`."""
    return f"min {min(values) * scale:.1f} / max {max(values) * scale:.1f}"


def print_table(results: list[Result]) -> None:
    """A Markdown table, ready to paste."""
    rows = [("measurement", "median", "baseline (median)", "ratio", "target", "result")]
    for r in results:
        rows.append(
            (
                r.name,
                f"{r.measured:,.1f} {r.unit}",
                f"{r.baseline:,.1f} {r.unit}",
                f"{r.ratio:.2f}",
                f"{'>=' if r.higher_is_better else '<='} {r.target:g}",
                "PASS" if r.passed else "MISS",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {1, 2, 3}
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |")
        if n == 0:
            print(
                "|"
                + "|".join(
                    ("-" * (w + 1) + ":") if i in right else "-" * (w + 2)
                    for i, w in enumerate(widths)
                )
                + "|"
            )
