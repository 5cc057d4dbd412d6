"""Invariants under concurrency, with real PostgreSQL transactions on two connections (threads).

`race(first, second)` runs `first` in a transaction and, while it is still open, `second` in
another; the first commits once the second is done or blocked on a lock. Without the services'
locks both read the state before either commits and both pass their checks, which is the
interleaving the issue observed (zero owners, no primary, 500s); with the locks the second waits,
reads the committed state, and refuses with a field error.
"""

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from computeenvs import services as ce_services
from computeenvs.models import ComputeEnv
from tests.factories import (
    CredentialsFactory,
    OrgMembershipFactory,
    ParticipantFactory,
    UserFactory,
    WorkspaceFactory,
)
from tests.helpers.documents import manual_doc
from workspaces import services
from workspaces.models import Credentials, OrgMembership, Participant
from workspaces.permissions import OrgRole, WorkspaceRole

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"),
]

HOLD = 1.5  # seconds the first transaction stays open waiting for the second


def race(first, second):
    """[(outcome, value)] of `first` and `second`: ("ok", result) or ("error", exception)."""
    first_done, both_done = threading.Event(), threading.Barrier(2)
    results = [None, None]

    def run(index, fn):
        try:
            if index == 1:
                first_done.wait(timeout=10)
            with transaction.atomic():
                value = fn()
                if index == 0:
                    first_done.set()
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_done.wait(timeout=HOLD)  # the second is blocked on a lock: commit anyway
            results[index] = ("ok", value)
        except Exception as exc:
            results[index] = ("error", exc)
        finally:
            first_done.set()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(r is not None for r in results), "a racer hung"
    return results


def assert_one_refused_with_field(results, field):
    outcomes = sorted(outcome for outcome, _ in results)
    assert outcomes == ["error", "ok"], results
    (error,) = [value for outcome, value in results if outcome == "error"]
    assert isinstance(error, ValidationError), repr(error)  # never an IntegrityError (a 500)
    assert field in error.message_dict, error.message_dict


def test_two_owners_demoting_and_removing_each_other_leave_one_owner():
    a = OrgMembershipFactory(role=OrgRole.OWNER)
    b = OrgMembershipFactory(org=a.org, role=OrgRole.OWNER)
    results = race(
        lambda: services.change_org_member_role(membership=b, role=OrgRole.MEMBER, actor=a.user),
        lambda: services.remove_org_member(membership=a, actor=b.user),
    )
    assert_one_refused_with_field(results, "role")
    assert OrgMembership.objects.filter(org=a.org, role=OrgRole.OWNER).count() == 1


def test_two_owners_demoting_each_other_leave_one_owner():
    a = OrgMembershipFactory(role=OrgRole.OWNER)
    b = OrgMembershipFactory(org=a.org, role=OrgRole.OWNER)
    results = race(
        lambda: services.change_org_member_role(membership=a, role=OrgRole.MEMBER, actor=b.user),
        lambda: services.change_org_member_role(membership=b, role=OrgRole.MEMBER, actor=a.user),
    )
    assert_one_refused_with_field(results, "role")
    assert OrgMembership.objects.filter(org=a.org, role=OrgRole.OWNER).count() == 1


def test_two_workspace_owners_removing_each_other_leave_one_owner():
    workspace = WorkspaceFactory()  # its organization has no owner: the participants are the owners
    p1 = ParticipantFactory(workspace=workspace, role=WorkspaceRole.OWNER)
    p2 = ParticipantFactory(workspace=workspace, role=WorkspaceRole.OWNER)
    results = race(
        lambda: services.change_participant_role(participant=p1, role=WorkspaceRole.ADMIN, actor=p2.user),
        lambda: services.remove_participant(participant=p2, actor=p1.user),
    )
    assert_one_refused_with_field(results, "role")
    assert Participant.objects.filter(workspace=workspace, role=WorkspaceRole.OWNER).count() == 1


def _ce(workspace, credentials, name, primary=False):
    return ComputeEnv.objects.create(
        workspace=workspace,
        name=name,
        credentials=credentials,
        region="us-east-1",
        mode=ComputeEnv.Mode.MANUAL,
        status=ComputeEnv.Status.AVAILABLE,
        primary=primary,
        config=manual_doc(),
    )


def test_two_make_primary_calls_leave_exactly_one_primary():
    credentials = CredentialsFactory()
    workspace = credentials.workspace
    x = _ce(workspace, credentials, "x", primary=True)
    y = _ce(workspace, credentials, "y")
    stale_x = ComputeEnv.objects.get(pk=x.pk)  # loaded while x is primary
    results = race(lambda: ce_services.make_primary(ce=y), lambda: ce_services.make_primary(ce=stale_x))
    assert [outcome for outcome, _ in results] == ["ok", "ok"]
    assert list(ComputeEnv.objects.filter(workspace=workspace, primary=True).values_list("name", flat=True)) == ["x"]


def _create_ce(credentials, name):
    return lambda: ce_services.create_compute_env(
        workspace=credentials.workspace,
        created_by=None,
        name=name,
        credentials=credentials.pk,
        config=manual_doc(),
    )


def test_two_creates_with_the_same_name_answer_a_name_error_not_a_500():
    credentials = CredentialsFactory()
    results = race(_create_ce(credentials, "same"), _create_ce(credentials, "same"))
    assert_one_refused_with_field(results, "name")
    assert ComputeEnv.objects.filter(name="same").count() == 1


def test_two_credentials_with_the_same_name_answer_a_name_error_not_a_500():
    workspace = WorkspaceFactory()
    user = UserFactory()

    def create():
        return services.create_credentials(
            workspace=workspace,
            name="same",
            created_by=user,
            access_key="AKIAIOSFODNN7EXAMPLE",
            secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )

    results = race(create, create)
    assert_one_refused_with_field(results, "name")
    assert Credentials.objects.filter(name="same").count() == 1


@pytest.mark.parametrize("first", ["create", "delete"])
def test_deleting_credentials_while_a_ce_is_created_on_them_is_a_field_error_not_a_fk_500(first):
    credentials = CredentialsFactory()
    create = _create_ce(credentials, "on-them")

    def delete():
        services.delete_credentials(credentials=Credentials.objects.get(pk=credentials.pk))

    results = race(create, delete) if first == "create" else race(delete, create)
    if first == "create":
        assert results[0][0] == "ok" and isinstance(results[1][1], services.CredentialsInUse), results
        assert Credentials.objects.filter(pk=credentials.pk).exists()
        assert ComputeEnv.objects.filter(name="on-them").exists()
    else:
        assert results[0][0] == "ok", results
        assert_one_refused_with_field(results, "credentialsId")
        assert not Credentials.objects.filter(pk=credentials.pk).exists()
        assert not ComputeEnv.objects.exists()
