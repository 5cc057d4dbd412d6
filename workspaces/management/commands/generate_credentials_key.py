"""`manage.py generate_credentials_key [--id K]`: prints a new CREDENTIALS_KEYS entry."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workspaces import crypto


class Command(BaseCommand):
    help = "Print a new AES-256 key entry for CREDENTIALS_KEYS ('<key id>:<urlsafe base64 of 32 random bytes>')."

    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--id", dest="key_id", default="", help="Key id (letters and digits; default: k<timestamp>)."
        )

    def handle(self, *args, key_id, **options):
        from django.utils import timezone

        key_id = key_id or f"k{timezone.now():%Y%m%d%H%M%S}"
        if not key_id.isalnum():
            raise CommandError("The key id must be letters and digits only.")
        entry = crypto.generate_key_entry(key_id)
        crypto.parse_key_ring(entry)  # the entry we print is one the service accepts
        self.stdout.write(entry)
        current = getattr(settings, "CREDENTIALS_KEYS", "")
        if current:
            self.stderr.write(
                "To rotate: put the new entry FIRST, keep the old ones after it, restart web and workers, "
                "then run `manage.py rotate_credentials_key`, e.g.\n"
                f"  CREDENTIALS_KEYS={key_id}:…,{','.join(e.split(':')[0] + ':…' for e in current.split(',') if e.strip())}"
            )
