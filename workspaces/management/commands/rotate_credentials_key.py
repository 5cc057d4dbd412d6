"""`manage.py rotate_credentials_key`: re-encrypts every stored secret under the current key.

Guarantees: works in chunks, one transaction per chunk, locking the chunk's rows and skipping
rows another process holds (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL); rows already under
the current (first) key are never touched, so it is idempotent and an interrupted run finishes
when run again. A row that cannot be decrypted is reported and left as it is (exit status 1).
"""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workspaces import crypto
from workspaces.models import Credentials


def key_counts() -> Counter:
    counts: Counter = Counter()
    rows = Credentials.objects.exclude(secret_encrypted="").values_list("secret_encrypted", flat=True)
    for token in rows.iterator(chunk_size=2000):
        try:
            counts[crypto.key_id_of(token)] += 1
        except crypto.DecryptionError:
            counts["(malformed)"] += 1
    return counts


def rotate_chunk(ring: crypto.KeyRing, chunk_size: int, skip: set[str]) -> tuple[int, list[str]]:
    """Re-encrypts up to `chunk_size` rows not under the current key; returns (rotated, failed ids)."""
    with transaction.atomic():
        rows = list(
            Credentials.objects.select_for_update(skip_locked=True)
            .exclude(secret_encrypted="")
            .exclude(secret_encrypted__startswith=f"{crypto.VERSION}:{ring.current_id}:")
            .exclude(pk__in=skip)
            .only("id", "workspace_id", "secret_encrypted")
            .order_by("pk")[:chunk_size]
        )
        rotated, failed = [], []
        for row in rows:
            try:
                row.secret_encrypted = crypto.reencrypt(row.secret_encrypted, aad=row._aad(), ring=ring)
            except crypto.DecryptionError:
                failed.append(row.pk)
            else:
                rotated.append(row)
        Credentials.objects.bulk_update(rotated, ["secret_encrypted"])
    return len(rotated), failed


class Command(BaseCommand):
    help = "Re-encrypt stored AWS secrets under the first key of CREDENTIALS_KEYS, in chunks (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=50, help="Rows per transaction (default 50).")
        parser.add_argument(
            "--max-chunks", type=int, default=0, help="Stop after this many chunks (default: until done)."
        )

    def handle(self, *args, chunk_size, max_chunks, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        ring = crypto.key_ring()
        self.stdout.write(f"Current key: {ring.current_id}")
        self.stdout.write(f"Before: {self._format(key_counts())}")
        total, chunks, failed = 0, 0, []
        while not max_chunks or chunks < max_chunks:
            rotated, chunk_failed = rotate_chunk(ring, chunk_size, set(failed))
            failed += chunk_failed
            if not rotated and not chunk_failed:
                break
            total, chunks = total + rotated, chunks + 1
            self.stdout.write(f"  chunk {chunks}: re-encrypted {rotated}")
        after = key_counts()
        self.stdout.write(f"After:  {self._format(after)}")
        self.stdout.write(f"Re-encrypted {total} secret(s) in {chunks} chunk(s).")
        if failed:
            raise CommandError(
                f"{len(failed)} secret(s) could not be decrypted with CREDENTIALS_KEYS and were left as they are "
                f"(credential ids: {', '.join(failed[:20])}). Add the key they use to the ring and run again."
            )
        remaining = sum(count for kid, count in after.items() if kid != ring.current_id)
        if remaining:
            self.stdout.write(f"{remaining} secret(s) still under older keys: run the command again to finish.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"All secrets are under {ring.current_id}; older keys can leave the ring.")
            )

    @staticmethod
    def _format(counts: Counter) -> str:
        return ", ".join(f"{kid}={n}" for kid, n in sorted(counts.items())) or "no stored secrets"
