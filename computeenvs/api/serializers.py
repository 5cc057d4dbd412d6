"""Seqera shapes of the compute-environment API (``ComputeEnv_ComputeConfig_``,
``ComputeEnvResponseDto``, ``ListComputeEnvsResponse.Entry`` …).

Request serializers only check the envelope's JSON types; the config document and every rule are
checked once, by `computeenvs.options` through `computeenvs.services`, so the API and the form
report the same messages under the same ``config.<path>`` keys."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from computeenvs import selectors
from computeenvs.models import ComputeEnv
from seqera.api import MAX_ID
from workspaces.api.serializers import LabelDbDtoSerializer

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


class CreateComputeEnvResponseSerializer(serializers.Serializer):
    computeEnvId = serializers.CharField()


class UpdateComputeEnvRequestSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    credentialsId = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    config = serializers.JSONField(required=False, help_text="Not allowed: the configuration is immutable.")


def _date(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _labels(ce: ComputeEnv) -> list[dict]:
    return LabelDbDtoSerializer(ce.labels.all(), many=True).data


def compute_env_dto(ce: ComputeEnv, *, with_labels: bool) -> dict:
    """``ComputeEnvResponseDto``: the config as sent, plus defaults and server-filled fields."""
    return {
        "id": ce.pk,
        "name": ce.name,
        "description": ce.description,
        "platform": ce.platform,
        "config": selectors.api_config(ce),
        "credentialsId": ce.credentials_id,
        "status": ce.status,
        "message": ce.message,
        "primary": ce.primary,
        "workspaceId": ce.workspace_id,
        "orgId": ce.workspace.org_id,
        "awsAccountId": ce.credentials.account_id or None,
        "dateCreated": _date(ce.date_created),
        "lastUpdated": _date(ce.last_updated),
        "lastUsed": _date(ce.last_used),
        "deleted": False,
        "labels": _labels(ce) if with_labels else None,
        "resources": None,
    }


def list_entry(ce: ComputeEnv, *, workspace_name: str, visibility: str, with_labels: bool) -> dict:
    """``ListComputeEnvsResponse.Entry``."""
    config = ce.config
    return {
        "id": ce.pk,
        "name": ce.name,
        "description": ce.description or None,
        "platform": ce.platform,
        "status": ce.status,
        "message": ce.message,
        "primary": ce.primary,
        "region": ce.region,
        "workDir": config.get("workDir", ""),
        "credentialsId": ce.credentials_id,
        "lastUsed": _date(ce.last_used),
        "waveEnabled": config.get("waveEnabled"),
        "fusion2Enabled": config.get("fusion2Enabled"),
        "workspaceName": workspace_name,
        "visibility": visibility,
        "labels": _labels(ce) if with_labels else None,
        "resources": None,
    }


class ComputeEnvResponseDtoSerializer(serializers.Serializer):
    """Schema only (responses are built by `compute_env_dto`)."""

    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    platform = serializers.CharField()
    config = serializers.JSONField()
    credentialsId = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES)
    message = serializers.CharField()
    primary = serializers.BooleanField()
    workspaceId = serializers.IntegerField()
    orgId = serializers.IntegerField()
    awsAccountId = serializers.CharField(allow_null=True)
    dateCreated = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    lastUsed = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    labels = LabelDbDtoSerializer(many=True, allow_null=True)


class DescribeComputeEnvResponseSerializer(serializers.Serializer):
    computeEnv = ComputeEnvResponseDtoSerializer()


class ListComputeEnvsEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    platform = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES)
    message = serializers.CharField()
    primary = serializers.BooleanField()
    region = serializers.CharField()
    workDir = serializers.CharField()
    credentialsId = serializers.CharField()
    lastUsed = serializers.DateTimeField(allow_null=True)
    waveEnabled = serializers.BooleanField(allow_null=True)
    fusion2Enabled = serializers.BooleanField(allow_null=True)
    workspaceName = serializers.CharField()
    visibility = serializers.CharField()
    labels = LabelDbDtoSerializer(many=True, allow_null=True)


@extend_schema_serializer(many=False)  # a list action answering one envelope object
class ListComputeEnvsResponseSerializer(serializers.Serializer):
    computeEnvs = ListComputeEnvsEntrySerializer(many=True)
    totalSize = serializers.IntegerField(
        help_text="Number of compute environments matching the query (pages: max/offset)"
    )
