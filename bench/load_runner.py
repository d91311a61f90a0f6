"""Running `bench.load`'s closed loop: every simulated user in its own thread with its own
keep-alive `http.client` connection, no think time, until the time or the request budget is
spent; each request becomes a `Sample` (status, latency, whether it was an error)."""

from __future__ import annotations

import http.client
import itertools
import json
import random
import threading
import time
from dataclasses import dataclass
from datetime import date

from bench.load_users import StaffUser
from bench.load_workload import WORKLOAD, Request

CONFLICT_KINDS = frozenset({"facilitator", "client", "room", "capacity"})
HOST = "127.0.0.1"  #: loopback only


@dataclass
class Sample:
    label: str
    status: int  #: 0 for a connection failure or timeout
    seconds: float
    error: bool
    conflict_kinds: tuple[str, ...] = ()


def conflict_kinds(text: bytes) -> tuple[str, ...] | None:
    """The kinds a 409 lists (facilitator, client, room, capacity), or None when the body
    is not the documented conflict error."""
    try:
        kinds = tuple(sorted({c["kind"] for c in json.loads(text)["conflicts"]}))
    except (ValueError, KeyError, TypeError):
        return None
    return kinds if kinds and set(kinds) <= CONFLICT_KINDS else None


@dataclass
class Outcome:
    samples: list[Sample]
    elapsed: float
    failures: list[str]  #: the first few failed requests, described
    stuck: int  #: users still running when the join timed out


class LoadRun:
    """One run: the users' threads and what they share (the request budget, the deadline,
    the samples of each user and the first failures)."""

    def __init__(
        self,
        port: int,
        users: list[StaffUser],
        as_of: date,
        *,
        seconds: float,
        max_requests: int,
        seed: int,
        timeout: float,
    ) -> None:
        self.port, self.users, self.as_of = port, users, as_of
        self.max_requests, self.seed, self.timeout = max_requests, seed, timeout
        self.sent = itertools.count()
        self.per_user: list[list[Sample]] = [[] for _ in users]
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.deadline = time.perf_counter() + seconds

    def run(self) -> Outcome:
        threads = [
            threading.Thread(target=self._worker, args=(u,), name=f"user-{u.n}", daemon=True)
            for u in self.users
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        join_by = self.deadline + self.timeout + 5  # a request in flight may take `timeout`
        for t in threads:
            t.join(max(0.0, join_by - time.perf_counter()))
        elapsed = time.perf_counter() - t0
        stuck = sum(t.is_alive() for t in threads)
        samples = [s for user_samples in self.per_user for s in user_samples]
        return Outcome(samples, elapsed, self.failures, stuck)

    def _worker(self, user: StaffUser) -> None:
        try:
            self._user_loop(user)
        except Exception as exc:  # a bug of the load generator: say so, count it
            self.per_user[user.n].append(Sample("load generator", 0, 0.0, True))
            with self.lock:
                self.failures.append(f"{user.role} #{user.n}: {type(exc).__name__}: {exc}")

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)

    def _user_loop(self, user: StaffUser) -> None:
        rng = random.Random(self.seed * 1000 + user.n)
        ops, weights = zip(*WORKLOAD[user.role], strict=True)
        conn = self._connect()
        while time.perf_counter() < self.deadline and next(self.sent) < self.max_requests:
            req = rng.choices(ops, weights=weights)[0](rng, user, self.as_of)
            conn, status, text, elapsed = self._send(conn, req, user)
            self._record(user, req, status, text, elapsed)
        conn.close()

    def _send(
        self, conn: http.client.HTTPConnection, req: Request, user: StaffUser
    ) -> tuple[http.client.HTTPConnection, int, bytes, float]:
        """One request. Returns the connection to use next, the status (0 when the request
        failed), the body (or the failure) and the seconds it took."""
        headers = dict(user.headers)
        payload = None
        if req.body is not None:
            payload = json.dumps(req.body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            conn.request(req.method, req.path, body=payload, headers=headers)
            response = conn.getresponse()
            text = response.read()
            status = response.status
            if response.will_close:
                conn.close()
                conn = self._connect()
        except (OSError, http.client.HTTPException) as exc:
            status, text = 0, f"{type(exc).__name__}: {exc}".encode()
            conn.close()
            conn = self._connect()
        return conn, status, text, time.perf_counter() - t0

    def _record(
        self, user: StaffUser, req: Request, status: int, text: bytes, elapsed: float
    ) -> None:
        """The sample; an unexpected status (or a 409 without its conflicts) is an error,
        and the first ten errors are described."""
        error = status not in req.expect
        kinds: tuple[str, ...] = ()
        if req.conflicts and status == 409:
            kinds = conflict_kinds(text) or ()
            error = not kinds
        self.per_user[user.n].append(Sample(req.label, status, elapsed, error, kinds))
        if error:
            with self.lock:
                if len(self.failures) < 10:
                    self.failures.append(
                        f"{user.role} #{user.n}: {req.method} {req.path} -> {status} "
                        f"{text[:300].decode(errors='replace')}"
                    )


def run_load(
    port: int,
    users: list[StaffUser],
    as_of: date,
    *,
    seconds: float,
    max_requests: int,
    seed: int,
    timeout: float = 30.0,
) -> Outcome:
    """Every user in its own thread with its own keep-alive connection, until `seconds` pass
    or `max_requests` were sent in all."""
    run = LoadRun(
        port,
        users,
        as_of,
        seconds=seconds,
        max_requests=max_requests,
        seed=seed,
        timeout=timeout,
    )
    return run.run()
