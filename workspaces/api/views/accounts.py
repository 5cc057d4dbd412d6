"""Service metadata and the caller's own account."""

from django.conf import settings
from django.shortcuts import resolve_url
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from seqera.api import responses
from workspaces.api import serializers as s
from workspaces.models import (
    Workspace,
)


# --------------------------------------------------------------------------- service and user
class ServiceInfoView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="Info",
        summary="General service features and version",
        tags=["service-info"],
        responses={200: s.ServiceInfoResponseSerializer},
    )
    def get(self, request):
        info = {
            "version": settings.SPECTACULAR_SETTINGS["VERSION"],
            "apiVersion": settings.SPECTACULAR_SETTINGS["VERSION"],
            "authTypes": ["bearer", "session"],
            "loginPath": resolve_url(settings.LOGIN_URL),
            "contactEmail": settings.DEFAULT_FROM_EMAIL,
            "heartbeatInterval": 60,
            "userWorkspaceEnabled": False,
            "allowInstanceCredentials": settings.ALLOW_INSTANCE_CREDENTIALS,
            "seqeraCloud": False,
            "waveEnabled": False,
        }
        return Response(s.ServiceInfoResponseSerializer({"serviceInfo": info}).data)


class UserInfoView(APIView):
    @extend_schema(
        operation_id="UserInfo",
        summary="Describe current user",
        tags=["users"],
        responses=responses({200: s.DescribeUserResponseSerializer}),
    )
    def get(self, request):
        first_workspace = (
            Workspace.objects.restrict(request.user, "workspace:read").values_list("id", flat=True).first()
        )
        payload = {"user": request.user, "needConsent": False, "defaultWorkspaceId": first_workspace}
        return Response(s.DescribeUserResponseSerializer(payload).data)
