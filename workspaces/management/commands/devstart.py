"""`manage.py devstart`: the whole service in one process, for a first look and for development.

Migrates the database, starts the local AWS sandbox (moto, in memory), a Dramatiq worker thread
(unless DRAMATIQ_BROKER_URL names a real broker) and the periodic scheduler, makes sure the demo account, organization,
workspace and credentials exist, and serves the site on 127.0.0.1 without autoreload.
Ctrl-C stops all of it.
"""

import os
import secrets
import signal
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from seqera import sandbox
from workspaces import sandbox as demo_data


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start the web server, a background worker and the local AWS sandbox in one process (development)."

    requires_system_checks = []  # runserver runs them, after the sandbox is up

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Web server port on 127.0.0.1 (default 8000).")
        parser.add_argument(
            "--aws-port", type=int, default=0, help="Port of the local AWS sandbox on 127.0.0.1 (default: a free one)."
        )

    def handle(self, *args, port, aws_port, **options):
        if not settings.DEBUG:
            raise CommandError(
                "devstart is the development start and needs DEBUG=true. Run `make run`, which writes a "
                "development .env; in production run gunicorn and `manage.py rundramatiq` instead."
            )
        if not sandbox.port_is_free(port):
            raise CommandError(
                f"Port {port} on 127.0.0.1 is in use. Stop what runs there, or pass --port (make run PORT=8001)."
            )
        if aws_port and not sandbox.port_is_free(aws_port):
            raise CommandError(f"Port {aws_port} on 127.0.0.1 is in use: pass another --aws-port, or 0 for a free one.")

        self.stdout.write("Applying database migrations…")
        call_command("migrate", interactive=False, verbosity=0)

        if not settings.TOWER_API_ENDPOINT:  # where the sandbox's head jobs report (the trace API)
            settings.TOWER_API_ENDPOINT = f"http://127.0.0.1:{port}/api"
        previous_handler = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
        aws = sandbox.start_aws_sandbox(aws_port)
        worker = None
        scheduler = sandbox.start_scheduler()  # re-sends durable work left pending by a restart
        try:
            if not settings.DRAMATIQ_BROKER_URL:
                worker = sandbox.start_worker(threads=2)
            password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            demo = demo_data.ensure_demo_data(password)
            self._banner(port, aws.endpoint, demo, worker is not None)
            self._fill_sandbox(demo.credentials, aws.endpoint)
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            scheduler.stop()
            if worker is not None:
                worker.stop()
            aws.stop()
            signal.signal(signal.SIGTERM, previous_handler)
            self.stdout.write("Stopped the web server, the worker, the scheduler and the AWS sandbox.")

    def _fill_sandbox(self, credentials, endpoint) -> None:
        """Fills the sandbox account in the background (it waits as AWS does for roles and compute
        environments), so the web server starts at once; says what it holds when done."""

        def fill():
            try:
                for line in sandbox.seed_app_sandboxes(credentials, endpoint):
                    self.stdout.write(f"  {line}")
            except Exception as exc:  # noqa: BLE001  (a start without the samples still works)
                self.stderr.write(f"  The AWS sandbox could not be filled with samples: {exc}")

        threading.Thread(target=fill, name="sandbox-seed", daemon=True).start()

    def _banner(self, port, endpoint, demo, in_process_worker):
        url = f"http://127.0.0.1:{port}"
        password = demo.password or "(the password you set for it; this start did not change it)"
        worker = (
            "a Dramatiq worker in this process"
            if in_process_worker
            else "no worker here: run `manage.py rundramatiq` for DRAMATIQ_BROKER_URL"
        )
        lines = [
            "",
            "=" * 72,
            f"  Seqera compute environments is running at {url}/",
            f"  Sign in at {url}/accounts/login/",
            f"      user:     {demo.username}",
            f"      password: {password}",
            f"  Demo workspace: {url}/orgs/{demo.org.name}/workspaces/{demo.workspace.name}/",
            f"  Operators' admin: {url}/admin/    API docs: {url}/api/docs",
            "",
            f"  AWS is a LOCAL, IN-MEMORY SANDBOX (moto) at {endpoint}:",
            "  nothing reaches real AWS, and everything made in it is lost when this stops.",
            f"  The demo credentials '{demo.credentials.name}' work only against it.",
            f"  Background work: {worker}; the scheduler (durable-work dispatcher) runs here too.",
            "  Press Ctrl-C to stop everything.",
            "=" * 72,
            "",
        ]
        self.stdout.write("\n".join(lines))
