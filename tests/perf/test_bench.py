"""The benchmark's own guarantees: the floor route exists only in benchmark mode, and the bench
database helper refuses any database it could not drop afterwards (or must never drop)."""

import pytest
from django.urls import Resolver404, resolve

from bench import _env
from bench.urls import FLOOR_PATH


def test_the_floor_is_served_only_by_the_benchmark_urls():
    assert resolve(FLOOR_PATH, urlconf="bench.urls").url_name == "bench-floor"
    with pytest.raises(Resolver404):
        resolve(FLOOR_PATH)  # the product's URLconf


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///bench.sqlite3",  # a file the run would leave behind (--sqlite uses a temporary one)
        "mysql://root@127.0.0.1/seqera_bench",
        "postgres://postgres@127.0.0.1:5432/postgres",
        "postgres://postgres@127.0.0.1:5432/template1",
        "postgres://postgres@127.0.0.1:5432/bench;drop",
    ],
)
def test_a_database_it_cannot_drop_is_refused(url, monkeypatch, tmp_path):
    monkeypatch.setenv("BENCH_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="Refusing"):
        _env.BenchDatabase()
    assert list(tmp_path.iterdir()) == []


def test_the_configured_database_and_its_test_database_are_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/seqera_dev")
    for name in ("seqera_dev", "test_seqera_dev"):
        monkeypatch.setenv("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{name}")
        with pytest.raises(SystemExit, match="DATABASE_URL"):
            _env.BenchDatabase()


def test_a_dedicated_postgres_database_is_accepted(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/seqera_dev")
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://postgres:pw@127.0.0.1:5432/seqera_bench")
    database = _env.BenchDatabase(name_suffix="_crypto")
    try:
        assert database.name == "seqera_bench_crypto" and not database.created
    finally:
        database.close()
