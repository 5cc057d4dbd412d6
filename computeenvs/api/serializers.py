"""Seqera shapes of the compute-environment API (``ComputeEnv_ComputeConfig_``,
``ComputeEnvResponseDto``, ``ListComputeEnvsResponse.Entry`` …).

Request serializers only check the envelope's JSON types; the config document and every rule are
checked once, by `computeenvs.options` through `computeenvs.services`, so the API and the form
report the same messages under the same ``config.<path>`` keys."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from computeenvs import selectors
from computeenvs.models import ComputeEnv
from seqera.api import MAX_ID
from seqera.serializers import ReadSerializer
from workspaces.api.serializers import RequestedLabels

STATUSES = [*ComputeEnv.Status.values, "DELETED"]


class ComputeEnvInSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    platform = serializers.CharField(required=False, default=selectors.PLATFORM)
    credentialsId = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    config = serializers.JSONField(required=False, default=None, help_text="AwsBatchConfig document (camelCase).")


class CreateComputeEnvRequestSerializer(serializers.Serializer):
    computeEnv = ComputeEnvInSerializer()
    labelIds = serializers.ListField(
        child=serializers.IntegerField(max_value=MAX_ID),
        required=False,
        allow_null=True,
        default=None,
        help_text="Resource labels (ids); omitted: the workspace's default resource labels.",
    )


class CreateComputeEnvResponseSerializer(ReadSerializer):
    computeEnvId = serializers.CharField()


class UpdateComputeEnvRequestSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    credentialsId = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    config = serializers.JSONField(required=False, help_text="Not allowed: the configuration is immutable.")


class ComputeEnvResourcesSerializer(ReadSerializer):
    """Resources of a cloud-hosted compute environment; null for AWS Batch."""

    cpus = serializers.IntegerField(allow_null=True)
    memory = serializers.IntegerField(allow_null=True)
    diskSize = serializers.IntegerField(allow_null=True)
    gpus = serializers.IntegerField(allow_null=True)
    gpuEnabled = serializers.BooleanField(allow_null=True)
    instanceType = serializers.CharField(allow_null=True)
    estimatedPrice = serializers.FloatField(allow_null=True)


class ComputeEnvOutSerializer(ReadSerializer):
    """Fields both response shapes share. ``labels`` are included when the serializer's context
    has ``with_labels`` (the request's ``attributes=labels``), else null."""

    id = serializers.CharField(source="pk")
    name = serializers.CharField()
    platform = serializers.CharField()
    credentialsId = serializers.CharField(source="credentials_id")
    status = serializers.ChoiceField(choices=STATUSES)
    message = serializers.CharField()
    primary = serializers.BooleanField()
    lastUsed = serializers.DateTimeField(source="last_used", allow_null=True)
    labels = RequestedLabels()
    resources = serializers.SerializerMethodField()

    @extend_schema_field(ComputeEnvResourcesSerializer(allow_null=True))
    def get_resources(self, ce: ComputeEnv):
        return None


class ApiConfigField(serializers.JSONField):
    """The stored config as the API returns it (`selectors.api_config`)."""

    reads_context = False  # reads the CE only: seqera.serializers.FastRead may share it

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, help_text="AwsBatchConfig document (camelCase).", **kwargs)

    def to_representation(self, ce):
        return selectors.api_config(ce)


class ComputeEnvResponseDtoSerializer(ComputeEnvOutSerializer):
    """``ComputeEnvResponseDto``: the config as sent, plus defaults and server-filled fields."""

    description = serializers.CharField()
    config = ApiConfigField()
    workspaceId = serializers.IntegerField(source="workspace_id")
    orgId = serializers.IntegerField(source="workspace.org_id")
    awsAccountId = serializers.SerializerMethodField()
    dateCreated = serializers.DateTimeField(source="date_created")
    lastUpdated = serializers.DateTimeField(source="last_updated")
    deleted = serializers.SerializerMethodField()

    def get_awsAccountId(self, ce: ComputeEnv) -> str | None:  # noqa: N802 (the API's field name)
        return ce.credentials.account_id or None

    def get_deleted(self, ce: ComputeEnv) -> bool:
        return False


class DescribeComputeEnvResponseSerializer(ReadSerializer):
    computeEnv = ComputeEnvResponseDtoSerializer(source="*")


class ListComputeEnvsEntrySerializer(ComputeEnvOutSerializer):
    """``ListComputeEnvsResponse.Entry``."""

    # workspaceName and visibility come from the serializer's context["workspace"]

    description = serializers.CharField(allow_null=True)
    region = serializers.CharField()
    workDir = serializers.SerializerMethodField()
    waveEnabled = serializers.SerializerMethodField()
    fusion2Enabled = serializers.SerializerMethodField()
    workspaceName = serializers.SerializerMethodField()
    visibility = serializers.SerializerMethodField()

    def to_representation(self, ce):
        data = super().to_representation(ce)
        data["description"] = ce.description or None
        return data

    def get_workDir(self, ce: ComputeEnv) -> str:  # noqa: N802
        return selectors.listed_config(ce)["workDir"] or ""

    def get_waveEnabled(self, ce: ComputeEnv) -> bool | None:  # noqa: N802
        return selectors.listed_config(ce)["waveEnabled"]

    def get_fusion2Enabled(self, ce: ComputeEnv) -> bool | None:  # noqa: N802
        return selectors.listed_config(ce)["fusion2Enabled"]

    def get_workspaceName(self, ce: ComputeEnv) -> str:  # noqa: N802
        return self.context["workspace"].name

    def get_visibility(self, ce: ComputeEnv) -> str:
        return self.context["workspace"].visibility


@extend_schema_serializer(many=False)  # a list action answering one envelope object
class ListComputeEnvsResponseSerializer(ReadSerializer):
    computeEnvs = ListComputeEnvsEntrySerializer(many=True, source="items")
    totalSize = serializers.IntegerField(
        source="total", help_text="Number of compute environments matching the query (pages: max/offset)"
    )
