"""List (and with --dispose remove) Batch Forge resources that no ledger holds."""

from django.core.management.base import BaseCommand, CommandError

from computeenvs.forge import orphans
from workspaces.models import Credentials


class Command(BaseCommand):
    help = "List the AWS resources Batch Forge named or tagged in an account and region that no ledger holds."

    def add_arguments(self, parser):
        parser.add_argument("--credentials", required=True, help="Id of the credentials to scan with.")
        parser.add_argument("--region", required=True)
        parser.add_argument("--dispose", action="store_true", help="Delete what is found (queues first, roles last).")

    def handle(self, *args, credentials, region, dispose, **options):
        creds = Credentials.objects.filter(pk=credentials).first()
        if creds is None:
            raise CommandError(f"No credentials with id {credentials}.")
        found = orphans.scan(creds, region)
        for orphan in found:
            self.stdout.write(f"{orphan.kind}\t{orphan.name}\t(compute environment {orphan.ce_id})")
        self.stdout.write(f"{len(found)} orphaned resource(s) in {region}.")
        if dispose and found:
            orphans.dispose_orphans(creds, region, found)
            self.stdout.write(f"Disposed {len(found)}.")
