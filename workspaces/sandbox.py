"""Sandbox-only behaviour of the workspaces app (`make run`): the demo account, organization,
workspace and credentials. `ensure_demo_data` is idempotent: a second start reuses what the first
one created and only asks for the demo credentials to be validated again (the sandbox forgets
everything on exit)."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from workspaces import services
from workspaces.models import Credentials, Organization, Workspace

DEMO_USERNAME = "admin"
DEMO_ORG = "demo"
DEMO_WORKSPACE = "sandbox"
DEMO_CREDENTIALS = "sandbox-aws"


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
