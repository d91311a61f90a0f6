"""The demo data has a consent, a disclosure under it and a revoked consent."""

from __future__ import annotations

import sqlalchemy as sa

from centre import COMPOSITION
from core.extensions import db
from privacy.cli import seed_demo_privacy
from privacy.consents.models import Consent
from privacy.disclosures.models import Disclosure


def test_the_demo_privacy_seeder_is_idempotent(app):
    with app.app_context():
        for seeder in COMPOSITION.seeders:
            if seeder is not seed_demo_privacy:  # in whatever place the root lists it
                seeder()
        assert "2 consents" in seed_demo_privacy()[0]
        assert seed_demo_privacy() == ["Demo consents: already present."]
        consents = db.session.scalars(sa.select(Consent).order_by(Consent.id)).all()
        assert [(c.kind.value, c.revoked_on is not None) for c in consents] == [
            ("tpo", False),
            ("specific", True),
        ]
        [disclosure] = db.session.scalars(sa.select(Disclosure)).all()
        assert disclosure.consent_id == consents[0].id and disclosure.bundle_sha256
