"""A gunicorn serving an app on a loopback port, for `bench.run` (b) and `bench.load`: start it,
wait until it answers, read the peak resident set of its processes, stop it."""

from __future__ import annotations

import functools
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  #: where `wsgi.py` lives


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def _has_control_socket() -> bool:
    """gunicorn 25+ opens a control socket in ~/.gunicorn unless told not to."""
    usage = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return "--no-control-socket" in usage


class Server:
    """A gunicorn serving `spec` on a loopback port."""

    def __init__(self, spec: str, env: dict[str, str], workers: int, threads: int) -> None:
        self.port = _free_port()
        cmd = [
            sys.executable, "-m", "gunicorn", spec,
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--worker-class", "gthread",
            "--threads", str(threads),
            "--keep-alive", "30",
            "--log-level", "warning",
        ]  # fmt: skip
        if _has_control_socket():
            cmd.append("--no-control-socket")  # two servers at once: no shared control socket
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})

    def wait_ready(self, path: str, headers: dict[str, str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return
                raise SystemExit(f"GET {path} answered {response.status} while warming up")
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start in time")

    def pids(self) -> list[int]:
        """The master and its workers."""
        pids = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                if f"\nPPid:\t{self.proc.pid}\n" in status:
                    pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU the master and its workers have used so far."""
        return cpu_seconds(self.pids())

    def peak_rss_mib(self) -> dict[str, float]:
        """VmHWM (peak resident set) of the master and of each worker, in MiB."""
        peaks = {}
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        master = peaks.pop(self.proc.pid, 0.0)
        return {
            "master": master,
            "worker_max": max(peaks.values(), default=0.0),
            "total": master + sum(peaks.values()),
            "workers": len(peaks),
        }

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes `pids` have used so far (/proc/PID/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / tick


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on this machine (the server's backends among them): the
    database's share of a run on the same machine is their CPU."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def memory_summary(memory: dict[str, float]) -> str:
    """One server's `peak_rss_mib`, as the run reports print it."""
    return (
        f"total {memory['total']:.0f} MiB (master {memory['master']:.0f}, "
        f"{memory['workers']} workers, largest {memory['worker_max']:.0f})"
    )
