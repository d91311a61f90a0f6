"""Disclosure rules over plain data (no Flask, no database): the §2.32 notice that goes with
every disclosure, what a disclosure must ask for, and the digest that records what was sent.
Whether a consent covers a disclosure is `privacy.consents.rules`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

#: The notice of 42 CFR §2.32 (as amended in 2024), in our words: sent with every
#: disclosure and carried in its bundle.
NOTICE = (
    "Notice of federal confidentiality (42 CFR part 2). The information disclosed to you "
    "with this notice comes from the records of a substance use disorder treatment "
    "programme and is protected by federal confidentiality rules (42 CFR part 2). You may "
    "not use it, or testimony that describes it, in any civil, criminal, administrative or "
    "legislative proceeding by any federal, state or local authority against the patient, "
    "unless the patient has consented to that in writing, a court has authorised it under "
    "42 CFR 2.64 or 2.65, or 42 CFR 2.12(c)(5) allows it. Nor may you use or disclose it "
    "any further unless the patient's written consent expressly permits it, 42 CFR part 2 "
    "otherwise permits it, or you are a HIPAA covered entity or business associate who "
    "received it for treatment, payment or health care operations, or received it from one "
    "as 45 CFR part 164, subparts A and E, permit. A general authorisation to release "
    "medical or other information does not meet the requirements of a written consent to "
    "use or disclose this record further (42 CFR 2.31)."
)


def asked_problems(information: Sequence[str], counselling_notes: bool = False) -> dict[str, str]:
    """What is wrong with the information a disclosure asks for, by field (empty: nothing)."""
    if not information and not counselling_notes:
        return {"information": "Name at least one scope of information."}
    if len(set(information)) != len(information):
        return {"information": "Name each scope once."}
    return {}


def bundle_digest(bundle: Any) -> str | None:
    """SHA-256 of the bundle as canonical JSON (sorted keys, no spaces); None without one."""
    if bundle is None:
        return None
    text = json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
