"""Shared pieces of the workspaces API: the bearer-token scheme, the Seqera envelope reader and the workspace-scoped viewset base."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, serializers

from seqera.api import PageQuery
from workspaces.tenancy import WorkspaceViewSet


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "workspaces.api.authentication.BearerTokenAuthentication"
    name = "BearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Personal access token (POST /api/tokens)."}


def unwrap(request, envelope: str, serializer_class) -> dict:
    """Validated content of a Seqera envelope (`{"credentials": {...}}`); errors are keyed inside it."""
    content = request.data.get(envelope) if isinstance(request.data, dict) else None
    if not isinstance(content, dict):
        raise exceptions.ValidationError({envelope: [f'Send the fields inside "{envelope}": {{...}}.']})
    body = serializer_class(data=content)
    body.is_valid(raise_exception=True)
    return body.validated_data


class LabelQuery(PageQuery):
    type = serializers.ChoiceField(choices=["simple", "resource", "all"], default="all", help_text="Label type")
    isDefault = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="Label default flag")


# --------------------------------------------------------------------------- workspace-scoped viewsets
class ApiWorkspaceViewSet(WorkspaceViewSet):
    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request workspace
            return self.model.objects.none()
        return super().get_queryset()
