"""conftest.py — shared pytest fixtures for the Sluice integration tests.

`conn` is a fresh in-memory Sluice database + connection (sluice_api.Connection) per test;
`duck` a fresh DuckDB connection with one thread, used as the reference engine.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sluice_api  # noqa: E402


@pytest.fixture
def conn():
    if not sluice_api.LIBRARY.exists():
        pytest.fail(f"{sluice_api.LIBRARY} is missing: run `make release` first")
    c = sluice_api.Connection()
    yield c
    c.close()


@pytest.fixture
def duck():
    import duckdb
    d = duckdb.connect()
    d.execute("SET threads = 1")
    yield d
    d.close()
