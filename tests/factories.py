"""Factories that keep related objects in one tenant: a credential's or label's workspace is the
one passed in (or a new one), never a second, unrelated workspace."""

import factory
from django.contrib.auth import get_user_model

from workspaces.models import Credentials, Label, Organization, OrgMembership, Participant, Team, Workspace

DEMO_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
DEMO_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"org{n}")
    full_name = factory.LazyAttribute(lambda o: f"Organization {o.name}")


class OrgMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgMembership

    org = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = "member"


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    org = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"ws{n}")
    full_name = factory.LazyAttribute(lambda w: f"Workspace {w.name}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    org = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"team{n}")


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A user participant; their org membership (member) is created in the workspace's org."""

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = "view"

    @factory.post_generation
    def _membership(obj, create, extracted, **kwargs):
        if create and obj.user_id:
            OrgMembership.objects.get_or_create(org=obj.workspace.org, user=obj.user, defaults={"role": "member"})


class CredentialsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credentials
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"aws-creds-{n}")
    access_key = DEMO_ACCESS_KEY
    status = "AVAILABLE"

    @factory.post_generation
    def secret(obj, create, extracted, **kwargs):
        obj.set_secret(extracted if extracted is not None else DEMO_SECRET_KEY)
        if create:
            obj.save()


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"label{n}")
    value = factory.Sequence(lambda n: f"value{n}")
    resource = True


# --------------------------------------------------------------------------- pipelines and runs
class ComputeEnvFactory(factory.django.DjangoModelFactory):
    """An AVAILABLE Manual CE on the sandbox queues (no AWS call: the row only)."""

    class Meta:
        model = "computeenvs.ComputeEnv"

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"ce-{n}")
    credentials = factory.SubFactory(CredentialsFactory, workspace=factory.SelfAttribute("..workspace"))
    region = "us-east-1"
    mode = "manual"
    status = "AVAILABLE"
    config = factory.LazyAttribute(
        lambda ce: {
            "region": ce.region,
            "workDir": "s3://acme-work/scratch",
            "headQueue": "acme-head",
            "computeQueue": "acme-compute",
        }
    )


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pipelines.Pipeline"

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"pipeline-{n}")
    repository = "https://github.com/nextflow-io/hello"
    revision = "master"


class PipelineSecretFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pipelines.PipelineSecret"
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"SECRET_{n}")
    value_encrypted = ""

    @factory.post_generation
    def value(obj, create, extracted, **kwargs):
        obj.set_value(extracted if extracted is not None else "s3cr3t-value")
        if create:
            obj.save()


class LaunchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pipelines.Launch"

    workspace = factory.SubFactory(WorkspaceFactory)
    repository = "https://github.com/nextflow-io/hello"
    revision = "master"


class RunFactory(factory.django.DjangoModelFactory):
    """A run row (no AWS call); its launch lives in the same workspace."""

    class Meta:
        model = "pipelines.Run"

    workspace = factory.SubFactory(WorkspaceFactory)
    launch = factory.SubFactory(LaunchFactory, workspace=factory.SelfAttribute("..workspace"))
    run_name = factory.Sequence(lambda n: f"happy_curie_{n}")
    session_id = factory.LazyAttribute(lambda run: run.launch.session_id)
    project_name = "nextflow-io/hello"
    repository = "https://github.com/nextflow-io/hello"
    status = "SUBMITTED"
