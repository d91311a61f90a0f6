#!/usr/bin/env python3
"""The two quick-start commands, needing nothing but Python 3.11+:

    python3 dev.py serve   # install, migrate, seed demo data, print demo logins, serve
                           # (with the background worker beside the web server)
    python3 dev.py test    # install with test tools, lint, check layering, run the suite on
                           # SQLite and PostgreSQL

`test` runs the suite on SQLite, then on PostgreSQL (TEST_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/test). PostgreSQL is required when CI is set or
`--postgres` is given; otherwise it is skipped with a notice when unreachable.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def run(*args: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True, env={**os.environ, **(env or {})})


def install(extra: str) -> None:
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".installed-{extra or 'base'}"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    run(str(BIN / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip")
    target = f".[{extra}]" if extra else "."
    run(str(BIN / "python"), "-m", "pip", "install", "-q", "-e", target)
    stamp.touch()


def _die_with_parent() -> None:
    """In the worker child (Linux): get SIGTERM when the server it was started beside
    exits, so stopping `serve` never leaves a worker behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_worker() -> subprocess.Popen:
    """The background worker (docs/worker.md) as a child process: `huey_consumer
    work.tasks.huey -w 1`, its log in the instance folder. It outlives the exec into
    gunicorn (same process) and stops with it."""
    instance = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    log = instance / "worker.log"
    consumer = [str(BIN / "huey_consumer"), "work.tasks.huey", "-w", "1", "-l", str(log)]
    worker = subprocess.Popen(consumer, cwd=ROOT, preexec_fn=_die_with_parent)
    redis = os.environ.get("REDIS_URL")
    queue = f"Redis {redis.rpartition('@')[2]}" if redis else instance / "huey.sqlite3"
    print(f"Background worker running (pid {worker.pid}): queue {queue}, log {log}")
    return worker


def serve() -> None:
    install("")
    flask = str(BIN / "flask")
    run(flask, "--app", "wsgi", "db", "upgrade")
    run(flask, "--app", "wsgi", "seed-demo")
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
    print(f"Staff web interface: http://{host}:{port}/  (sign in with a demo login above)")
    print(f"JSON API: http://{host}:{port}/api/v1  (docs: http://{host}:{port}/api/docs)")
    start_worker()
    gunicorn = str(BIN / "gunicorn")
    # gunicorn.conf.py keeps query strings (calendar feed tokens) out of the access log.
    config = ["-c", str(ROOT / "gunicorn.conf.py"), "--chdir", str(ROOT)]
    os.execv(gunicorn, [gunicorn, *config, "-w", "2", "-b", f"{host}:{port}", "wsgi:app"])


def postgres_reachable(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test(argv: list[str]) -> None:
    install("dev")
    py = str(BIN / "python")
    run(py, "-m", "ruff", "check", ".")
    run(py, "-m", "ruff", "format", "--check", ".")
    run(str(BIN / "lint-imports"), "--no-cache")  # the layering contracts in pyproject.toml
    pytest_args = [a for a in argv if a != "--postgres"]
    print("== test suite on SQLite ==", flush=True)
    run(py, "-m", "pytest", *pytest_args, env={"TEST_DATABASE_URL": ""})
    required = "--postgres" in argv or bool(os.environ.get("CI"))
    url = os.environ.get("TEST_DATABASE_URL") or PG_URL
    if not postgres_reachable():
        if required:
            sys.exit("PostgreSQL is not reachable at 127.0.0.1:5432 (required here).")
        print("PostgreSQL not reachable at 127.0.0.1:5432: skipped the PostgreSQL run.")
        return
    print("== test suite on PostgreSQL ==", flush=True)
    run(py, "-m", "pytest", *pytest_args, env={"TEST_DATABASE_URL": url})


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "serve":
        serve()
    elif command == "test":
        test(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
