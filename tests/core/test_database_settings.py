"""What migrations 0014 and 0015 set on a PostgreSQL database, seen from a new connection:
no JIT compilation, and every statement planned for its own parameters (a generic plan of
the client search is a sequential scan)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


@pytest.mark.parametrize(
    ("setting", "value"), [("jit", "off"), ("plan_cache_mode", "force_custom_plan")]
)
def test_the_database_carries_its_settings(app, db_url, setting, value):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL settings")
    engine = sa.create_engine(sa.make_url(db_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql(f"SHOW {setting}").scalar() == value
    finally:
        engine.dispose()
