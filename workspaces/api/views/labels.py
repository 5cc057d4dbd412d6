"""Labels and resource labels of a workspace."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from seqera.api import WORKSPACE_ID, api_errors, page, query_params, responses
from workspaces import services
from workspaces.api import serializers as s
from workspaces.api.views.common import ApiWorkspaceViewSet, LabelQuery
from workspaces.models import (
    Label,
)


@extend_schema(tags=["labels"], parameters=[WORKSPACE_ID])
@extend_schema_view(
    list=extend_schema(
        operation_id="ListLabels",
        summary="List labels",
        parameters=[LabelQuery],
        responses=responses({200: s.ListLabelsResponseSerializer}, 403, 404),
    ),
    create=extend_schema(
        operation_id="CreateLabel",
        summary="Create label (or return the identical existing one)",
        request=s.CreateLabelSerializer,
        responses=responses({200: s.CreateLabelResponseSerializer}, 403, 404),
    ),
    update=extend_schema(
        operation_id="UpdateLabel",
        summary="Update label",
        request=s.UpdateLabelSerializer,
        responses=responses({200: s.UpdateLabelResponseSerializer}, 403, 404),
    ),
    destroy=extend_schema(
        operation_id="DeleteLabel", summary="Delete label", responses=responses({204: None}, 403, 404)
    ),
)
class LabelViewSet(ApiWorkspaceViewSet):
    model = Label
    serializer_class = s.CreateLabelSerializer  # what OPTIONS describes
    lookup_url_kwarg = "labelId"
    lookup_value_regex = r"\d+"
    permission_actions = {
        "list": "label:read",
        "metadata": "label:read",
        "create": "label:write",
        "update": "label:write",
        "destroy": "label:delete",
    }

    def list(self, request):
        params = query_params(request, LabelQuery)
        labels = self.get_queryset().order_by("name")
        if params["type"] != "all":
            labels = labels.filter(resource=params["type"] == "resource")
        if params.get("isDefault") is not None:
            labels = labels.filter(is_default=params["isDefault"])
        if term := params.get("search"):
            labels = labels.filter(Q(name__icontains=term) | Q(value__icontains=term))
        return Response(s.ListLabelsResponseSerializer(page(labels, params)).data)

    def create(self, request):
        body = s.CreateLabelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            label = services.ensure_label(
                workspace=self.workspace,
                name=data["name"],
                value=data.get("value") or "",
                resource=data["resource"],
                is_default=data["isDefault"],
            )
        except DjangoValidationError as exc:
            raise api_errors(exc) from None
        return Response(s.CreateLabelResponseSerializer(label).data)

    def update(self, request, **kwargs):
        label = self.get_object()
        body = s.UpdateLabelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            services.update_label(
                label=label,
                name=data.get("name", label.name),
                value=(data["value"] or "") if "value" in data else label.value,
                is_default=data.get("isDefault"),
            )
        except DjangoValidationError as exc:
            raise api_errors(exc) from None
        return Response(s.UpdateLabelResponseSerializer(label).data)

    def destroy(self, request, **kwargs):
        try:
            services.delete_label(label=self.get_object())
        except DjangoValidationError as exc:
            raise api_errors(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
