"""Crypto benchmark: µs per encrypt / decrypt / reencrypt with `workspaces.crypto` (AES-256-GCM,
key ring, row-bound associated data), and `manage.py rotate_credentials_key` over a table of
credentials rows (rows/s), on a dedicated database that is dropped afterwards.

Prints figures only. Defaults finish in well under 2 minutes on 2 cores.

    .venv/bin/python bench/crypto.py              # PostgreSQL seqera_bench_crypto, 10,000 rows
    .venv/bin/python bench/crypto.py --quick      # 2,000 rows, shorter timing loops
    .venv/bin/python bench/crypto.py --sqlite --rows 10000 --chunk-sizes 50,200
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/, first

from bench import _env  # noqa: E402
from bench._env import per_op  # noqa: E402

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # 40 characters, like an AWS secret access key


def bench_ops(seconds: float) -> None:
    from workspaces import crypto

    old, new = _env.key_entry("old1"), _env.key_entry("new1")
    ring_old = crypto.parse_key_ring(old)
    ring_new = crypto.parse_key_ring(f"{new},{old}")
    aad = crypto.associated_data(workspace_id=42, row_id="k3v9x2m7q4w8z1c6b5n0pa", field="secretKey")
    token_old = crypto.encrypt(SECRET, aad=aad, ring=ring_old)
    token_new = crypto.encrypt(SECRET, aad=aad, ring=ring_new)

    cases = [
        ("encrypt", lambda: crypto.encrypt(SECRET, aad=aad, ring=ring_new)),
        ("decrypt", lambda: crypto.decrypt(token_new, aad=aad, ring=ring_new)),
        ("reencrypt (old key -> current)", lambda: crypto.reencrypt(token_old, aad=aad, ring=ring_new)),
        ("reencrypt (already current: no-op)", lambda: crypto.reencrypt(token_new, aad=aad, ring=ring_new)),
        ("parse_key_ring (2 keys, uncached)", lambda: crypto.parse_key_ring(f"{new},{old}")),
    ]
    print(f"\nPer operation (40-character secret, explicit key ring; median of 5 rounds, ~{seconds:g} s each case)")
    print(f"{'operation':<38}{'µs/op':>10}{'ops/s':>12}{'calls':>10}")
    print("-" * 70)
    for name, func in cases:
        micros, calls = per_op(func, seconds=seconds)
        print(f"{name:<38}{micros:>10.2f}{1e6 / micros:>12,.0f}{calls:>10,}")


def seed_credentials(rows: int, ring_spec: str) -> None:
    """`rows` credentials in 10 workspaces, each secret encrypted under the ring's first key."""
    from django.db import transaction

    from workspaces import crypto
    from workspaces.models import Credentials, Organization, Workspace

    ring = crypto.parse_key_ring(ring_spec)
    with transaction.atomic():
        org = Organization.objects.create(name="cryptobench", full_name="Crypto benchmark")
        spaces = Workspace.objects.bulk_create(Workspace(org=org, name=f"ws{i}", full_name=f"ws{i}") for i in range(10))
        batch = []
        for i in range(rows):
            ws = spaces[i % len(spaces)]
            cred = Credentials(id=f"bench{i:017d}", workspace=ws, name=f"keys-{i:06d}", access_key="AKIABENCH")
            cred.secret_encrypted = crypto.encrypt(f"{SECRET}{i}", aad=cred._aad(), ring=ring)
            batch.append(cred)
        Credentials.objects.bulk_create(batch, batch_size=2000)


def bench_rotation(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    from workspaces import crypto
    from workspaces.models import Credentials

    old = _env.key_entry("old1")
    seed_from = time.perf_counter()
    seed_credentials(args.rows, old)
    seeded = time.perf_counter() - seed_from
    print(f"\nRotation: {args.rows:,} credentials rows seeded under key old1 in {seeded:.1f} s ({connection.vendor})")
    print(f"{'chunk size':>10}{'chunks':>8}{'seconds':>9}{'rows/s':>9}{'µs/row':>9}{'2nd run s':>11}{'decrypt ok':>16}")
    print("-" * 72)
    current = old
    for index, chunk in enumerate(args.chunk_sizes):
        new = _env.key_entry(f"new{index + 1}")
        ring_spec = f"{new},{current}"
        with override_settings(CREDENTIALS_KEYS=ring_spec):
            out = io.StringIO()
            began = time.perf_counter()
            call_command("rotate_credentials_key", chunk_size=chunk, stdout=out)
            took = time.perf_counter() - began
            chunks = out.getvalue().count("  chunk ")
            began = time.perf_counter()
            call_command("rotate_credentials_key", chunk_size=chunk, stdout=io.StringIO())  # idempotent re-run
            again = time.perf_counter() - began
            ring = crypto.key_ring()
            ok = sum(
                1
                for row in Credentials.objects.only("id", "workspace_id", "secret_encrypted").iterator(chunk_size=2000)
                if crypto.key_id_of(row.secret_encrypted) == ring.current_id
                and crypto.decrypt(row.secret_encrypted, aad=row._aad(), ring=ring).startswith(SECRET)
            )
        current = new
        print(
            f"{chunk:>10}{chunks:>8}{took:>9.2f}{args.rows / took:>9,.0f}{took / args.rows * 1e6:>9.0f}"
            f"{again:>11.2f}{f'{ok:,}/{args.rows:,}':>16}"
        )
    print("(each line rotates every row from the previous key to a new first key; 2nd run = nothing left to do)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 rows, 0.3 s per operation case")
    parser.add_argument("--sqlite", action="store_true", help="temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--rows", type=int, default=None, help="credentials rows to rotate (default 10,000)")
    parser.add_argument("--chunk-sizes", default="50,200", help="comma-separated --chunk-size values (default 50,200)")
    parser.add_argument("--seconds", type=float, default=None, help="timing per operation case (default 1)")
    args = parser.parse_args(argv)
    args.rows = args.rows or (2000 if args.quick else 10_000)
    args.seconds = args.seconds or (0.3 if args.quick else 1.0)
    args.chunk_sizes = [int(size) for size in args.chunk_sizes.split(",") if size.strip()]

    started = time.monotonic()
    print(f"bench/crypto.py — {_env.machine_line()}")
    db = _env.BenchDatabase(sqlite=args.sqlite, name_suffix="_crypto")
    try:
        db.open()
        _env.setup_django(_env.production_env(db.url, str(db.tmpdir / "static")))
        bench_ops(args.seconds)
        bench_rotation(args)
    finally:
        _env.close_connections()
        db.close()
    print(f"\nDone in {time.monotonic() - started:.0f} s; database dropped.")


if __name__ == "__main__":
    main()
