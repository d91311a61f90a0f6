"""Benchmark harness and synthetic data generator (not part of the test suite).

`python -m bench.generate` streams a synthetic centre into a database; `python -m bench.run`
measures the caseload report, case reads under gunicorn and the booking conflict check, each
against a baseline measured in the same run. See bench/README.md.
"""
