"""`manage.py rotate_credentials_key`: re-encrypts every stored secret under the current key:
each field apps registered with `crypto.register_encrypted` (credentials, pipeline secrets).

Guarantees: works in chunks, one transaction per chunk, locking the chunk's rows and skipping
rows another process holds (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL); rows already under
the current (first) key are never touched, so it is idempotent and an interrupted run finishes
when run again. A row that cannot be decrypted is reported and left as it is (exit status 1).
"""

from collections import Counter

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workspaces import crypto


def stored(entry: crypto.EncryptedField):
    return apps.get_model(entry.model).objects.exclude(**{entry.field: ""})


def key_counts() -> Counter:
    counts: Counter = Counter()
    for entry in crypto.ENCRYPTED_FIELDS:
        for token in stored(entry).values_list(entry.field, flat=True).iterator(chunk_size=2000):
            try:
                counts[crypto.key_id_of(token)] += 1
            except crypto.DecryptionError:
                counts["(malformed)"] += 1
    return counts


def rotate_chunk(ring: crypto.KeyRing, chunk_size: int, skip: set[str]) -> tuple[int, list[str]]:
    """Re-encrypts up to `chunk_size` rows not under the current key; returns (rotated, failed rows)."""
    for entry in crypto.ENCRYPTED_FIELDS:
        model = apps.get_model(entry.model)
        with transaction.atomic():
            rows = list(
                stored(entry)
                .select_for_update(skip_locked=True)
                .exclude(**{f"{entry.field}__startswith": f"{crypto.VERSION}:{ring.current_id}:"})
                .exclude(pk__in=[key[len(entry.noun) + 1 :] for key in skip if key.startswith(f"{entry.noun} ")])
                .order_by("pk")[:chunk_size]
            )
            rotated, failed = [], []
            for row in rows:
                try:
                    setattr(row, entry.field, crypto.reencrypt(getattr(row, entry.field), aad=row._aad(), ring=ring))
                except crypto.DecryptionError:
                    failed.append(f"{entry.noun} {row.pk}")
                else:
                    rotated.append(row)
            model.objects.bulk_update(rotated, [entry.field])
        if rotated or failed:
            return len(rotated), failed
    return 0, []


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
                f"({', '.join(failed[:20])}). Add the key they use to the ring and run again."
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
