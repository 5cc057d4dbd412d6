"""The pieces of the development start (`manage.py devstart`): a local AWS sandbox, an in-process
Dramatiq worker, and the demo account, organization, workspace and credentials.

Guarantees:
* `start_aws_sandbox` binds moto's server to 127.0.0.1 only, configures Batch without Docker and
  loads AWS-managed IAM policies, and points `settings.AWS_ENDPOINT_URL` (and the process
  environment) at it before it returns, so every boto3 client built afterwards talks to it.
* `start_worker` consumes the in-process (stub) broker in threads of this process.
* `start_scheduler` runs the periodic schedule (the durable-work dispatcher) in a thread.
* `ensure_demo_data` is idempotent: a second start reuses what the first one created and only
  asks for the demo credentials to be validated again (the sandbox forgets everything on exit).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import secrets
import socket
import string
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

LOOPBACK = "127.0.0.1"
DEMO_USERNAME = "admin"
DEMO_ORG = "demo"
DEMO_WORKSPACE = "sandbox"
DEMO_CREDENTIALS = "sandbox-aws"


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class AwsSandbox:
    """moto in server mode, in a thread of this process. In memory: lost when the process ends."""

    def __init__(self, port: int = 0):
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
        self.endpoint = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            body = json.dumps({"batch": {"use_docker": False}})
            connection.request("POST", "/moto-api/config", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                raise RuntimeError(f"The AWS sandbox refused its configuration (HTTP {response.status}).")
        finally:
            connection.close()
        settings.AWS_ENDPOINT_URL = self.endpoint
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint
        _install_app_sandboxes(self.endpoint)
        return self.endpoint

    def stop(self) -> None:
        if self._server._thread is not None:
            self._server.stop()


def _app_sandbox_functions(name: str):
    """`<app>.sandbox.<name>` of every installed app that has one (DESIGN rule 10: one module per app)."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for app in apps.get_app_configs():
        if find_spec(f"{app.name}.sandbox") is not None:
            function = getattr(import_module(f"{app.name}.sandbox"), name, None)
            if function is not None:
                yield function


def _import_app_modules(name: str) -> None:
    """Imports `<app>.<name>` of every installed app that has one."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for app in apps.get_app_configs():
        if find_spec(f"{app.name}.{name}") is not None:
            import_module(f"{app.name}.{name}")


def seed_app_sandboxes(credentials, endpoint: str) -> list[str]:
    """Each app's `seed_sandbox(credentials, endpoint=)`: what it puts in the sandbox account, said in a line."""
    return [seed(credentials, endpoint=endpoint) for seed in _app_sandbox_functions("seed_sandbox")]


def _install_app_sandboxes(endpoint: str) -> None:
    """Each app's `<app>.sandbox.install_sandbox(endpoint)` plays what moto does not (DESIGN rule 10);
    it acts only on clients of this loopback endpoint."""
    for install in _app_sandbox_functions("install_sandbox"):
        install(endpoint)


def start_aws_sandbox(port: int = 0) -> AwsSandbox:
    sandbox = AwsSandbox(port)
    try:
        sandbox.start()
    except Exception:
        sandbox.stop()
        raise
    return sandbox


def start_worker(threads: int = 2):
    """A Dramatiq worker on the in-process broker; call `.stop()` on the result to end it."""
    import dramatiq

    broker = dramatiq.get_broker()
    if not getattr(broker, "_booted", False):
        broker.emit_after("process_boot")  # starts the TimeLimit watchdog, as the dramatiq CLI does
        broker._booted = True
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=500)
    worker.start()
    return worker


class Scheduler:
    """dramatiq-crontab's scheduler (the periodic actors, e.g. the durable-work dispatcher) in a
    thread of this process, as `manage.py crontab` runs it in production."""

    def __init__(self):
        import threading

        from dramatiq_crontab import scheduler

        from seqera import tasks, work  # noqa: F401  (register the dispatcher's schedule and the tick)

        _import_app_modules("tasks")  # the apps' periodic actors, as `manage.py crontab` loads them

        self._scheduler = scheduler
        self._thread = threading.Thread(target=scheduler.start, name="scheduler", daemon=True)

    def start(self) -> Scheduler:
        self._thread.start()
        return self

    @property
    def jobs(self) -> list[str]:
        return [job.name for job in self._scheduler.get_jobs()]

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


def start_scheduler() -> Scheduler:
    return Scheduler().start()


@dataclass
class Demo:
    username: str
    password: str | None  # None: the account existed and its password was changed since
    org: object
    workspace: object
    credentials: object


def _demo_keys() -> tuple[str, str]:
    access_key = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    secret_key = "".join(secrets.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))
    return access_key, secret_key


def ensure_demo_data(password: str) -> Demo:
    """The demo superuser, organization `demo`, workspace `sandbox` and sandbox credentials."""
    from workspaces import services
    from workspaces.models import Credentials, Organization, Workspace

    User = get_user_model()
    with transaction.atomic():
        admin = User.objects.filter(username=DEMO_USERNAME).first()
        if admin is None:
            admin = User.objects.create_superuser(DEMO_USERNAME, "admin@example.org", password)
        shown_password = password if admin.check_password(password) else None

        org = Organization.objects.filter(name=DEMO_ORG).first() or services.create_organization(
            user=admin,
            name=DEMO_ORG,
            full_name="Demo organization",
            description="Created by the development start (make run).",
        )
        workspace = Workspace.objects.filter(org=org, name=DEMO_WORKSPACE).first() or services.create_workspace(
            org=org,
            creator=admin,
            name=DEMO_WORKSPACE,
            full_name="Local AWS sandbox",
            description="Its AWS account is the in-memory sandbox of the development start.",
        )
        credentials = Credentials.objects.filter(workspace=workspace, name=DEMO_CREDENTIALS).first()
        if credentials is None:
            access_key, secret_key = _demo_keys()
            credentials = services.create_credentials(  # enqueues the validation on commit
                workspace=workspace,
                name=DEMO_CREDENTIALS,
                created_by=admin,
                description="Demo keys of the local AWS sandbox: they work only against it.",
                access_key=access_key,
                secret_key=secret_key,
            )
        else:
            services.request_credentials_validation(credentials=credentials)
    return Demo(DEMO_USERNAME, shown_password, org, workspace, credentials)
