"""A throwaway pgbouncer in transaction mode in front of one PostgreSQL database, for
`bench.load --pgbouncer` and tests/replica/test_pgbouncer.py: write an ini into a temporary
directory, start Debian's /usr/sbin/pgbouncer on a free loopback port, read its stats, stop it
and remove the directory.

pgbouncer refuses to run as root: as root it is started with `-u postgres` (the directory is
handed to that user first). Authentication is `trust`, fit for a loopback test only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
#: the OS user pgbouncer runs as when started by root.
RUN_AS = "postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ini(url: sa.URL, port: int, directory: Path, pool_size: int) -> str:
    """pgbouncer.ini: one database, trust, transaction pooling, logs in `directory`."""
    target = f"host={url.host or '127.0.0.1'} port={url.port or 5432} dbname={url.database}"
    return "\n".join(
        [
            "[databases]",
            f"{url.database} = {target}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {directory / 'users.txt'}",
            f"admin_users = {url.username or 'postgres'}",
            "pool_mode = transaction",
            f"default_pool_size = {pool_size}",
            "max_client_conn = 500",
            "stats_period = 1",  # SHOW STATS totals a second late, not a minute
            # some drivers send it at connect; `options` (-c settings) is NOT ignored: pgbouncer
            # refuses it loudly rather than dropping a setting on the floor.
            "ignore_startup_parameters = extra_float_digits",
            f"logfile = {directory / 'pgbouncer.log'}",
            f"pidfile = {directory / 'pgbouncer.pid'}",
            "",
        ]
    )


class PgBouncer:
    """pgbouncer (transaction mode) in front of the database of `db_url`, on a free port."""

    def __init__(self, db_url: str, pool_size: int = 10) -> None:
        self.target = sa.make_url(db_url.replace("postgresql+psycopg://", "postgresql://", 1))
        self.port = _free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="tc-pgbouncer-"))
        user = self.target.username or "postgres"
        (self.directory / "users.txt").write_text(f'"{user}" ""\n')
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(_ini(self.target, self.port, self.directory, pool_size))
        cmd = [PGBOUNCER, str(ini)]
        if os.geteuid() == 0:
            account = pwd.getpwnam(RUN_AS)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            for path in self.directory.iterdir():
                os.chown(path, account.pw_uid, account.pw_gid)
            cmd[1:1] = ["-u", RUN_AS]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_listening()

    def _wait_listening(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("pgbouncer did not start listening in time")

    def url(self) -> str:
        """The database's URL through pgbouncer (same user and database)."""
        return self.target.set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False
        )

    def show(self, what: str) -> list[dict[str, str]]:
        """`SHOW <what>` on the admin console (psql: it speaks the simple protocol only)."""
        user = self.target.username or "postgres"
        cmd = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", "pgbouncer"]
        cmd += ["-A", "-F", "\t", "-P", "footer=off", "-c", f"SHOW {what}"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
        header = out[0].split("\t") if out else []
        return [dict(zip(header, line.split("\t"), strict=False)) for line in out[1:]]

    def transactions(self) -> int:
        """Transactions pgbouncer has passed to the database so far."""
        rows = self.show("STATS")
        return sum(
            int(r["total_xact_count"]) for r in rows if r["database"] == self.target.database
        )

    def rss_kib(self) -> int:
        """The resident set of the pgbouncer process (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        """Stop pgbouncer and remove its directory."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.directory, ignore_errors=True)
