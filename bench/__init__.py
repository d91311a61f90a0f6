"""Benchmark harness, load test and synthetic data generator (not part of the test suite).

`python -m bench.generate` streams a synthetic centre into a database; `python -m bench.run`
measures the caseload report, case reads under gunicorn and the booking conflict check, each
against a baseline measured in the same run; `python -m bench.load` runs a loopback load test
of simulated staff users. Each command's module holds its command line and takes its parts
from the modules named after it (`generate_*`, `run_*`, `load_*`); `harness` and `server` are
shared by all three. See bench/README.md.
"""
