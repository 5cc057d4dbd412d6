"""Shared fixtures: two organizations, a user of every workspace role in the first, an outsider
who owns the second, moto for AWS, and Dramatiq's in-process broker with a worker."""

from dataclasses import dataclass
from unittest import mock

import boto3
import dramatiq
import pytest
from moto import mock_aws

from tests.factories import (
    CredentialsFactory,
    LabelFactory,
    OrgMembershipFactory,
    ParticipantFactory,
    UserFactory,
    WorkspaceFactory,
)
from tests.helpers.world import world  # noqa: F401 - a fixture the API and trace tests share
from workspaces.permissions import ROLE_ORDER

MOTO_CONFIG = {"batch": {"use_docker": False}, "iam": {"load_aws_managed_policies": True}}


@dataclass
class Tenancy:
    org: object
    workspace: object
    users: dict  # role -> user (direct participant), plus "org_owner"
    outsider: object
    other_workspace: object
    credentials: object
    label: object
    other_credentials: object


@pytest.fixture
def tenancy(db) -> Tenancy:
    workspace = WorkspaceFactory(name="lab", org__name="acme")
    users = {
        role: ParticipantFactory(workspace=workspace, role=role, user__username=f"{role}-user").user
        for role in ROLE_ORDER
    }
    users["org_owner"] = OrgMembershipFactory(org=workspace.org, role="owner", user__username="acme-owner").user
    other = WorkspaceFactory(name="rival", org__name="globex")
    outsider = ParticipantFactory(workspace=other, role="owner", user__username="outsider").user
    return Tenancy(
        org=workspace.org,
        workspace=workspace,
        users=users,
        outsider=outsider,
        other_workspace=other,
        credentials=CredentialsFactory(workspace=workspace, name="lab-aws"),
        label=LabelFactory(workspace=workspace, name="team", value="genomics"),
        other_credentials=CredentialsFactory(workspace=other, name="rival-aws"),
    )


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def aws():
    """In-process moto; every boto3 client made inside (any thread) talks to it."""
    with mock_aws(config=MOTO_CONFIG):
        boto3.setup_default_session()
        yield boto3.DEFAULT_SESSION


@pytest.fixture
def broker():
    b = dramatiq.get_broker()
    if not getattr(b, "_booted", False):
        b.emit_after("process_boot")  # starts TimeLimit's watchdog, as the dramatiq CLI would
        b._booted = True
    b.flush_all()
    return b


@pytest.fixture
def worker(broker):
    w = dramatiq.Worker(broker, worker_timeout=100, worker_threads=2)
    w.start()
    yield w
    w.stop()


@pytest.fixture
def sent(broker):
    """Every message the broker is asked to enqueue, as a callable returning the list.

    Broker-agnostic (in-process stub locally, Redis in CI): tests inspect messages here, never
    through a particular broker's queue internals.
    """
    with mock.patch.object(broker, "enqueue", wraps=broker.enqueue) as spy:
        yield lambda: [call.args[0] for call in spy.call_args_list]


@pytest.fixture
def aws_hooks(monkeypatch):
    """Registers botocore event hooks on every client the AWS door builds (any thread):
    ``aws_hooks.append(("before-call.s3.ListBuckets", handler))``."""
    from workspaces import aws as aws_door

    hooks: list[tuple[str, object]] = []
    real_client = aws_door._client

    def client_with_hooks(session, service, region):
        client = real_client(session, service, region)
        for event, handler in hooks:
            client.meta.events.register(event, handler)
        return client

    monkeypatch.setattr(aws_door, "_client", client_with_hooks)
    return hooks
