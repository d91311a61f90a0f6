"""What migrations 0014 and 0017 set on a PostgreSQL database, seen from a new connection:
no JIT compilation, and generic plans for prepared statements where they are no worse (the
default: 0015's custom plans for every statement are undone; the client search writes its
patterns into the statement instead)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


@pytest.mark.parametrize(("setting", "value"), [("jit", "off"), ("plan_cache_mode", "auto")])
def test_the_database_carries_its_settings(app, db_url, setting, value):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL settings")
    engine = sa.create_engine(sa.make_url(db_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql(f"SHOW {setting}").scalar() == value
    finally:
        engine.dispose()
