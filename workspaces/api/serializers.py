"""Serializers in the shapes of the Seqera Platform API (camelCase, named after its schemas).

Response serializers are named `<SeqeraSchema>Serializer`, so the OpenAPI components carry the
Seqera names; request serializers drop the `Request` suffix because drf-spectacular adds it.
Every field is listed explicitly; ids, status and the workspace are read-only, and the secret
access key is write-only (accepted, never serialized back).
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from seqera.serializers import ReadModelSerializer, ReadSerializer
from workspaces.models import ApiToken, Credentials, Label, Organization, Participant, Workspace
from workspaces.permissions import OrgRole, WorkspaceRole

User = get_user_model()


# --------------------------------------------------------------------------- service and user
class ServiceInfoSerializer(ReadSerializer):
    version = serializers.CharField()
    apiVersion = serializers.CharField()
    authTypes = serializers.ListField(child=serializers.CharField())
    loginPath = serializers.CharField()
    contactEmail = serializers.CharField()
    heartbeatInterval = serializers.IntegerField()
    userWorkspaceEnabled = serializers.BooleanField()
    allowInstanceCredentials = serializers.BooleanField()
    seqeraCloud = serializers.BooleanField()
    waveEnabled = serializers.BooleanField()


class ServiceInfoResponseSerializer(ReadSerializer):
    serviceInfo = ServiceInfoSerializer()


class UserResponseDtoSerializer(ReadModelSerializer):
    userName = serializers.CharField(source="username")
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    dateCreated = serializers.DateTimeField(source="date_joined")
    lastAccess = serializers.DateTimeField(source="last_login", allow_null=True)

    class Meta:
        model = User
        fields = ["id", "userName", "email", "firstName", "lastName", "dateCreated", "lastAccess"]
        read_only_fields = fields


class DescribeUserResponseSerializer(ReadSerializer):
    user = UserResponseDtoSerializer()
    needConsent = serializers.BooleanField()
    defaultWorkspaceId = serializers.IntegerField(allow_null=True)


# --------------------------------------------------------------------------- organizations and workspaces
class OrganizationDbDtoSerializer(ReadModelSerializer):
    """An organization seen by one member: `memberId`/`memberRole` come from the caller's membership
    (annotated on the queryset as `member_id` and `member_role`)."""

    orgId = serializers.IntegerField(source="id")
    fullName = serializers.CharField(source="full_name")
    memberId = serializers.IntegerField(source="member_id")
    memberRole = serializers.ChoiceField(source="member_role", choices=OrgRole.choices)
    website = serializers.CharField(help_text="URL, or empty")

    class Meta:
        model = Organization
        fields = ["orgId", "name", "fullName", "description", "location", "website", "memberId", "memberRole"]
        read_only_fields = fields


class ListOrganizationsResponseSerializer(ReadSerializer):
    organizations = OrganizationDbDtoSerializer(many=True)
    totalSize = serializers.IntegerField()


class DescribeOrganizationResponseSerializer(ReadSerializer):
    organization = OrganizationDbDtoSerializer()


class WorkspaceDbDtoSerializer(ReadModelSerializer):
    fullName = serializers.CharField(source="full_name")

    class Meta:
        model = Workspace
        fields = ["id", "name", "fullName", "description", "visibility"]
        read_only_fields = fields


class WorkspaceSerializer(WorkspaceDbDtoSerializer):
    dateCreated = serializers.DateTimeField(source="date_created")
    lastUpdated = serializers.DateTimeField(source="last_updated")

    class Meta(WorkspaceDbDtoSerializer.Meta):
        fields = [*WorkspaceDbDtoSerializer.Meta.fields, "dateCreated", "lastUpdated"]
        read_only_fields = fields


class ListWorkspacesResponseSerializer(ReadSerializer):
    workspaces = WorkspaceDbDtoSerializer(many=True)


class DescribeWorkspaceResponseSerializer(ReadSerializer):
    workspace = WorkspaceSerializer()


class ParticipantResponseDtoSerializer(ReadModelSerializer):
    """Expects `user__org_memberships` prefetched (the org role and member id come from it)."""

    participantId = serializers.IntegerField(source="id")
    memberId = serializers.SerializerMethodField()
    userName = serializers.CharField(source="user.username", default=None, allow_null=True)
    firstName = serializers.CharField(source="user.first_name", default=None, allow_null=True)
    lastName = serializers.CharField(source="user.last_name", default=None, allow_null=True)
    email = serializers.CharField(source="user.email", default=None, allow_null=True)
    orgRole = serializers.SerializerMethodField()
    teamId = serializers.IntegerField(source="team.id", default=None, allow_null=True)
    teamName = serializers.CharField(source="team.name", default=None, allow_null=True)
    wspRole = serializers.ChoiceField(source="role", choices=WorkspaceRole.choices)
    type = serializers.ChoiceField(choices=Participant.Type.choices)

    class Meta:
        model = Participant
        fields = [
            "participantId",
            "memberId",
            "userName",
            "firstName",
            "lastName",
            "email",
            "orgRole",
            "teamId",
            "teamName",
            "wspRole",
            "type",
        ]
        read_only_fields = fields

    @staticmethod
    def _membership(participant):
        if participant.user_id is None:
            return None
        return next(
            (m for m in participant.user.org_memberships.all() if m.org_id == participant.workspace.org_id), None
        )

    def get_memberId(self, participant) -> int | None:  # noqa: N802
        membership = self._membership(participant)
        return membership.id if membership else None

    def get_orgRole(self, participant) -> str | None:  # noqa: N802
        membership = self._membership(participant)
        return membership.role if membership else None


class ListParticipantsResponseSerializer(ReadSerializer):
    participants = ParticipantResponseDtoSerializer(many=True, source="items")
    totalSize = serializers.IntegerField(source="total")


class OrgAndWorkspaceDtoSerializer(ReadSerializer):
    orgId = serializers.IntegerField()
    orgName = serializers.CharField()
    orgLogoUrl = serializers.CharField(allow_null=True)
    workspaceId = serializers.IntegerField(allow_null=True)
    workspaceName = serializers.CharField(allow_null=True)
    workspaceFullName = serializers.CharField(allow_null=True)
    visibility = serializers.ChoiceField(choices=Workspace.Visibility.choices, allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())


class ListWorkspacesAndOrgResponseSerializer(ReadSerializer):
    orgsAndWorkspaces = OrgAndWorkspaceDtoSerializer(many=True)


# --------------------------------------------------------------------------- credentials
class AwsSecurityKeysSerializer(ReadSerializer):
    """AWS keys (read from and written to the credentials row itself): `secretKey` is write-only;
    the external id is generated by the server when a role is set."""

    discriminator = serializers.SerializerMethodField()
    mode = serializers.ChoiceField(choices=["keys", "role"], read_only=True)
    accessKey = serializers.CharField(source="access_key", required=False, allow_blank=True, max_length=128)
    secretKey = serializers.CharField(
        source="secret_key",
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=False,
        max_length=256,
        style={"input_type": "password"},
    )
    assumeRoleArn = serializers.CharField(source="assume_role_arn", required=False, allow_blank=True, max_length=2048)
    externalId = serializers.CharField(source="external_id", read_only=True)

    def get_discriminator(self, instance) -> str:
        return "aws"


class CredentialsSerializer(ReadSerializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    provider = serializers.ChoiceField(
        choices=["aws"],
        default="aws",
        error_messages={"invalid_choice": 'Only AWS credentials (provider "aws") are supported.'},
    )
    keys = AwsSecurityKeysSerializer(source="*")
    status = serializers.ChoiceField(
        source="effective_status", choices=Credentials.Status.choices, read_only=True, allow_null=True
    )
    message = serializers.CharField(source="effective_message", read_only=True, allow_null=True)
    lastValidated = serializers.DateTimeField(source="last_validated", read_only=True, allow_null=True)
    lastUsed = serializers.DateTimeField(source="last_used", read_only=True, allow_null=True)
    dateCreated = serializers.DateTimeField(source="date_created", read_only=True)
    lastUpdated = serializers.DateTimeField(source="last_updated", read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = data["status"] or None
        data["message"] = data["message"] or None
        return data


class UpdateCredentialsBodySerializer(CredentialsSerializer):
    """Every field optional: what is omitted keeps its value."""

    name = serializers.CharField(max_length=100, required=False)
    keys = AwsSecurityKeysSerializer(source="*", required=False)


class CreateCredentialsSerializer(serializers.Serializer):
    credentials = CredentialsSerializer()


class UpdateCredentialsSerializer(serializers.Serializer):
    credentials = UpdateCredentialsBodySerializer()


class CreateCredentialsResponseSerializer(ReadSerializer):
    credentialsId = serializers.CharField()


class DescribeCredentialsResponseSerializer(ReadSerializer):
    credentials = CredentialsSerializer()


@extend_schema_serializer(many=False)  # a list action answering one envelope object
class ListCredentialsResponseSerializer(ReadSerializer):
    credentials = CredentialsSerializer(many=True, source="items")
    totalSize = serializers.IntegerField(
        source="total", help_text="Number of credentials matching the query (pages: max/offset)"
    )


class DeleteCredentialsConflictSerializer(ReadSerializer):
    id = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    url = serializers.CharField(allow_null=True)


class DeleteCredentialsConflictResponseSerializer(ReadSerializer):
    message = serializers.CharField()
    credentialsId = serializers.CharField()
    conflicts = DeleteCredentialsConflictSerializer(many=True)


# --------------------------------------------------------------------------- labels
class LabelDbDtoSerializer(ReadModelSerializer):
    isDefault = serializers.BooleanField(source="is_default")
    dateCreated = serializers.DateTimeField(source="date_created")

    class Meta:
        model = Label
        fields = ["id", "name", "value", "resource", "isDefault", "dateCreated"]
        read_only_fields = fields


@extend_schema_field(LabelDbDtoSerializer(many=True, allow_null=True))
class RequestedLabels(serializers.Field):
    """An object's labels when the serializer's context has ``with_labels`` (the request's
    ``attributes=labels``, or an answer that always shows them), else null."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def get_attribute(self, instance):
        return instance.labels.all() if self.context.get("with_labels") else None

    def to_representation(self, labels):
        return LabelDbDtoSerializer(labels, many=True).data


@extend_schema_serializer(many=False)  # a list action answering one envelope object
class ListLabelsResponseSerializer(ReadSerializer):
    labels = LabelDbDtoSerializer(many=True, source="items")
    totalSize = serializers.IntegerField(source="total")


class CreateLabelSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=39)
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=39)
    resource = serializers.BooleanField(default=False)
    isDefault = serializers.BooleanField(default=False)


class CreateLabelResponseSerializer(ReadModelSerializer):
    isDefault = serializers.BooleanField(source="is_default")

    class Meta:
        model = Label
        fields = ["id", "name", "value", "resource", "isDefault"]
        read_only_fields = fields


class UpdateLabelSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=39, required=False)
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=39)
    isDefault = serializers.BooleanField(required=False)


class UpdateLabelResponseSerializer(ReadModelSerializer):
    isDefault = serializers.BooleanField(source="is_default")

    class Meta:
        model = Label
        fields = ["id", "name", "value", "isDefault"]
        read_only_fields = fields


# --------------------------------------------------------------------------- access tokens
class AccessTokenSerializer(ReadModelSerializer):
    dateCreated = serializers.DateTimeField(source="date_created")
    lastUsed = serializers.DateTimeField(
        source="last_used", allow_null=True, help_text="Last authenticated request (updated at most once a minute)."
    )
    expiresAt = serializers.DateTimeField(
        source="expires_at", allow_null=True, help_text="Refused from this moment on; null: never expires."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "dateCreated", "lastUsed", "expiresAt"]
        read_only_fields = fields


@extend_schema_serializer(many=False)  # a list action answering one envelope object
class ListAccessTokensResponseSerializer(ReadSerializer):
    tokens = AccessTokenSerializer(many=True)


class CreateAccessTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    expiresAt = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional expiry (ISO 8601, in the future); omitted or null: the token never expires.",
    )


class CreateAccessTokenResponseSerializer(ReadSerializer):
    accessKey = serializers.CharField(help_text="The token: shown once, send it as `Authorization: Bearer <token>`.")
    token = AccessTokenSerializer()
