"""`manage.py rotate_pipeline_secrets_key`: re-encrypts every pipeline secret under the current key
of CREDENTIALS_KEYS (run it with `rotate_credentials_key` before an old key leaves the ring).

Guarantees, as `rotate_credentials_key`: chunks of rows, one transaction each, locked and skipping
rows another process holds; rows already under the current key are not touched (idempotent,
resumable); a row that cannot be decrypted is reported and left as it is (exit status 1).
"""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pipelines.models import PipelineSecret
from workspaces import crypto


def key_counts() -> Counter:
    counts: Counter = Counter()
    for token in PipelineSecret.objects.values_list("value_encrypted", flat=True).iterator(chunk_size=2000):
        try:
            counts[crypto.key_id_of(token)] += 1
        except crypto.DecryptionError:
            counts["(malformed)"] += 1
    return counts


def rotate_chunk(ring: crypto.KeyRing, chunk_size: int, skip: set[int]) -> tuple[int, list[int]]:
    with transaction.atomic():
        rows = list(
            PipelineSecret.objects.select_for_update(skip_locked=True)
            .exclude(value_encrypted__startswith=f"{crypto.VERSION}:{ring.current_id}:")
            .exclude(pk__in=skip)
            .only("id", "workspace_id", "name", "value_encrypted")
            .order_by("pk")[:chunk_size]
        )
        rotated, failed = [], []
        for row in rows:
            try:
                row.value_encrypted = crypto.reencrypt(row.value_encrypted, aad=row._aad(), ring=ring)
            except crypto.DecryptionError:
                failed.append(row.pk)
            else:
                rotated.append(row)
        PipelineSecret.objects.bulk_update(rotated, ["value_encrypted"])
    return len(rotated), failed


class Command(BaseCommand):
    help = "Re-encrypt pipeline secrets under the first key of CREDENTIALS_KEYS, in chunks (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=50, help="Rows per transaction (default 50).")

    def handle(self, *args, chunk_size, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        ring = crypto.key_ring()
        self.stdout.write(f"Current key: {ring.current_id}; before: {dict(key_counts())}")
        total, failed = 0, []
        while True:
            rotated, chunk_failed = rotate_chunk(ring, chunk_size, set(failed))
            failed += chunk_failed
            total += rotated
            if not rotated and not chunk_failed:
                break
        self.stdout.write(f"Re-encrypted {total} pipeline secret(s); after: {dict(key_counts())}")
        if failed:
            raise CommandError(
                f"{len(failed)} pipeline secret(s) could not be decrypted with CREDENTIALS_KEYS (ids: "
                f"{', '.join(map(str, failed[:20]))}). Add the key they use to the ring and run again."
            )
