"""The generator as a whole: `CentreGenerator` writes the staff, beds and rooms, then the
centre block by block (`centre`), or the conflict-check data set (`scheduling`). What a block
holds is described in the docstring of bench/generate.py."""

from __future__ import annotations

import random
from datetime import timedelta

from bench.generate_cases import CasesMixin
from bench.generate_model import BLOCK, FIRST, LAST, Episode, Staff, utc_at
from bench.generate_sessions import SessionsMixin


class CentreGenerator(CasesMixin, SessionsMixin):
    # --- staff, beds, rooms -------------------------------------------------------------------

    def _user(self, role: str, n: int, name: str, *, active: bool = True) -> int:
        uid = self.ids("users")
        created = self.established
        email = f"{role}{n}@bench.centre" if role != "manager" else "manager@bench.centre"
        self.w.add(
            "users",
            (uid, email, name, role, self.password_hash, active, False, created, created,
             created, 1),
        )  # fmt: skip
        return uid

    def staff(self, counsellors: int) -> Staff:
        rng = random.Random(self.seed)
        manager = self._user("manager", 1, "Morgan Manager")
        admin = self._user("admin", 1, "Avery Admin")
        intake = [self._user("intake", i, f"Intake Worker {i}") for i in range(1, 4)]
        clinicians = [
            self._user("clinician", i, f"Dr {rng.choice(LAST)} {i}")
            for i in range(1, max(2, counsellors // 10) + 1)
        ]
        names = [f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:04d}" for i in range(counsellors)]
        ids = [self._user("counsellor", i + 1, names[i]) for i in range(counsellors)]
        # One counsellor who has left: inactive, with no open cases (not in the report).
        self._user("counsellor", counsellors + 1, "Former Counsellor", active=False)
        return Staff(manager, admin, intake, clinicians, ids)

    def beds(self, count: int, spare_out_of_service: int) -> list[int]:
        ids = []
        created = self.established
        for i in range(count + spare_out_of_service):
            bid = self.ids("beds")
            unit = ("North", "South", "East", "West")[i % 4]
            active = i < count
            self.w.add(
                "beds",
                (bid, unit, str(i // 8 + 1), f"B{i + 1}", active, created, created, 1),
            )
            if active:
                ids.append(bid)
        return ids

    def rooms(self, count: int, prefix: str = "Office") -> list[int]:
        created = self.established
        ids = []
        for i in range(count):
            rid = self.ids("rooms")
            self.w.add("rooms", (rid, f"{prefix} {i + 1}", 10, True, created, created, 1))
            ids.append(rid)
        return ids

    # --- one block: 200 clients of one counsellor --------------------------------------------

    def block(
        self, b: int, staff: Staff, beds: list[int], room_id: int, participations: int
    ) -> None:
        rng = random.Random(self.seed * 1_000_003 + b)
        counsellor = staff.counsellors[b]
        clinician = staff.clinicians[b % len(staff.clinicians)]
        intake = staff.intake[b % len(staff.intake)]
        clients = [self.ids("clients") for _ in range(BLOCK)]
        episodes = self._plan_block(rng, clients, beds, counsellor)
        # rows, in foreign-key order (the writer flushes tables in that order anyway)
        by_client: dict[int, list[Episode]] = {}
        for ep in episodes:
            by_client.setdefault(ep.client_id, []).append(ep)
        for client_id in clients:
            eps = sorted(by_client[client_id], key=lambda e: e.opened_at)
            registered = eps[0].opened_at - timedelta(days=rng.randint(8, 30))
            self._client(rng, client_id, intake, registered)
            assessments = [self._case(rng, ep, counsellor, clinician, intake) for ep in eps]
            self._flags(rng, client_id, eps, assessments, clinician, counsellor)
        self._sessions(rng, episodes, counsellor, room_id, participations)

    def _plan_block(
        self, rng: random.Random, clients: list[int], beds: list[int], counsellor: int
    ) -> list[Episode]:
        """Every client's current case (40 open: one admitted per bed, one waitlisted, the
        rest active; the others discharged), an earlier discharged case for 40 of them, and
        the discharged cases' follow-ups."""
        order = list(range(BLOCK))
        rng.shuffle(order)
        open_idx = order[:40]
        repeat = set(rng.sample(range(BLOCK), 40))
        statuses = ["admitted"] * len(beds) + ["waitlisted"] + ["active"] * (39 - len(beds))
        status_of = dict(zip(open_idx, statuses, strict=True))
        bed_of = dict(zip(open_idx[: len(beds)], beds, strict=True))
        episodes: list[Episode] = []
        for j, client_id in enumerate(clients):
            status = status_of.get(j, "discharged")
            last = self._episode(rng, client_id, status, bed_of.get(j))
            if j in repeat:
                first = self._episode(rng, client_id, "discharged", None, before=last.opened_at)
                last.previous_case_id = first.id
                episodes.append(first)
            episodes.append(last)
        for ep in episodes:
            if ep.status == "discharged":
                self._plan_follow_ups(rng, ep, counsellor)
        return episodes

    # --- the whole centre ----------------------------------------------------------------------

    def centre(self, clients: int) -> None:
        blocks = max(1, clients // BLOCK)
        participations = 10 * BLOCK  # per block: 1,000,000 at 100,000 clients
        staff = self.staff(blocks)
        beds = self.beds(4 * blocks, max(1, blocks // 10))
        rooms = self.rooms(blocks)
        for b in range(blocks):
            self.block(b, staff, beds[4 * b : 4 * b + 4], rooms[b], participations)

    def scheduling(self, n_sessions: int, facilitators: int = 50, per: int = 40) -> None:
        """The conflict-check data set (bench/generate.py's docstring)."""
        rng = random.Random(self.seed)
        staff = self.staff(facilitators)
        rooms = self.rooms(facilitators, prefix="Room")
        pools = [self._open_pool(rng, staff, f, counsellor, per)
                 for f, counsellor in enumerate(staff.counsellors)]  # fmt: skip
        self._packed_history(staff.counsellors, pools, rooms, n_sessions)

    def _open_pool(
        self, rng: random.Random, staff: Staff, f: int, counsellor: int, per: int
    ) -> list[tuple[int, int]]:
        """`per` clients of one counsellor, each with a case open for the whole packed
        history. Returns their (case id, client id)."""
        pool = []
        for _ in range(per):
            client_id = self.ids("clients")
            ep = self._episode(rng, client_id, "active", None)
            ep.level = "1"  # outpatient, open for as long as the packed history runs
            ep.opened_at = utc_at(self.as_of - timedelta(days=12 * 366), 9)
            self._client(rng, client_id, staff.intake[0], ep.opened_at - timedelta(days=9))
            self._case(rng, ep, counsellor, staff.clinicians[f % len(staff.clinicians)],
                       staff.intake[0])  # fmt: skip
            pool.append((ep.id, client_id))
        return pool
