"""Shared plumbing of the benchmarks: a throw-away database and production-shaped settings.

Guarantees: `BenchDatabase` creates a dedicated database (PostgreSQL `seqera_bench*` on
127.0.0.1 by default, `BENCH_DATABASE_URL` to override, or a temporary SQLite file) and drops it
on `close()`, also after an error or Ctrl-C; `production_env()` returns the environment of the
production settings shape (DEBUG off, random SECRET_KEY and key ring) with only what a loopback
benchmark needs relaxed (no SSL redirect, ALLOWED_HOSTS=127.0.0.1). Nothing here touches the
repository's own database, `.env` values or static files.
"""

from __future__ import annotations

import base64
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/seqera_bench"

if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


def key_entry(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


def production_env(database_url: str, static_root: str) -> dict[str, str]:
    """Environment for `seqera.settings` in its production shape, for loopback benchmarks."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CREDENTIALS_KEYS": key_entry("bench1"),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "BENCH_STATIC_ROOT": static_root,
    }


POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")
RESERVED_DATABASES = ("postgres", "template0", "template1")


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def refuse_database(scheme: str, name: str) -> str:
    """Why a benchmark may not create and drop database `name` (empty: it may). Only a PostgreSQL
    database the script drops itself afterwards qualifies: a SQLite file named by a URL would
    outlive the run (`--sqlite` makes one in a temporary directory instead), and the server's own,
    template, development (DATABASE_URL) and test databases are never dropped."""
    if scheme not in POSTGRES_SCHEMES:
        return "only postgres:// URLs can be created and dropped by the benchmark (for SQLite use --sqlite)"
    if not name or not name.replace("_", "").isalnum():
        return f"odd database name {name!r} (letters, digits and '_' only)"
    if name in RESERVED_DATABASES:
        return f"{name!r} is a PostgreSQL system database"
    configured = _database_name(os.environ.get("DATABASE_URL", ""))
    if configured and name in (configured, f"test_{configured}"):
        return f"{name!r} is the database of DATABASE_URL (or its test database); the benchmark drops its database"
    return ""


class BenchDatabase:
    """A database that exists from `open()` to `close()`; `url` is what DATABASE_URL gets."""

    def __init__(self, *, sqlite: bool = False, name_suffix: str = ""):
        self.sqlite = sqlite
        self._tmp = tempfile.TemporaryDirectory(prefix="seqera-bench-")
        self.tmpdir = Path(self._tmp.name)
        if sqlite:
            self.url = f"sqlite:///{self.tmpdir / 'bench.sqlite3'}"
            self.label = "SQLite (temporary file)"
        else:
            url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG_URL
            parts = urlsplit(url)
            name = parts.path.lstrip("/") + name_suffix
            refusal = refuse_database(parts.scheme, name)
            if refusal:
                self._tmp.cleanup()
                raise SystemExit(f"Refusing BENCH_DATABASE_URL={_without_password(url)}: {refusal}")
            self.url = urlunsplit(parts._replace(path=f"/{name}"))
            self.name = name
            self._admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.label = f"PostgreSQL {parts.hostname}:{parts.port or 5432}/{name}"
        self.created = False

    def _admin(self, sql: str) -> None:
        import psycopg

        parts = urlsplit(self._admin_url)
        with psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    def open(self) -> BenchDatabase:
        if not self.sqlite:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
        self.created = True
        return self

    def close(self) -> None:
        if self.created and not self.sqlite:
            for _ in range(5):
                try:
                    self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                    break
                except Exception as exc:  # a closing gunicorn worker may still hold a connection
                    print(f"  (drop database retry: {exc})", file=sys.stderr)
                    time.sleep(1)
        self.created = False
        self._tmp.cleanup()


def setup_django(env: dict[str, str]) -> None:
    """Configures Django in this process with `env` and migrates the (empty) database quietly."""
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty list)."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def machine_line() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)"


def per_op(func, *, seconds: float) -> tuple[float, int]:
    """Median µs per call over 5 rounds of about `seconds`/5 each; and the number of calls."""
    calls = 0
    began = time.perf_counter()
    while time.perf_counter() - began < 0.05:  # calibrate: calls per 50 ms
        func()
        calls += 1
    batch = max(1, int(calls * seconds / 5 / 0.05))
    rounds = []
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(batch):
            func()
        rounds.append((time.perf_counter() - began) / batch * 1e6)
    return statistics.median(rounds), batch * 5
