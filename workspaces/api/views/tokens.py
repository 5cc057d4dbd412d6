"""The caller's own personal access tokens."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from seqera.api import ERRORS, api_errors, responses
from workspaces import services
from workspaces.api import serializers as s
from workspaces.models import (
    ApiToken,
)


# --------------------------------------------------------------------------- access tokens
@extend_schema(tags=["tokens"])
@extend_schema_view(
    list=extend_schema(
        operation_id="TokenList",
        summary="List your access tokens",
        responses=responses({200: s.ListAccessTokensResponseSerializer}),
    ),
    create=extend_schema(
        operation_id="CreateToken",
        summary="Create an access token (shown once)",
        request=s.CreateAccessTokenSerializer,
        responses=responses({200: s.CreateAccessTokenResponseSerializer, 409: ERRORS[409]}),
    ),
    destroy=extend_schema(
        operation_id="DeleteToken", summary="Revoke one of your access tokens", responses=responses({204: None}, 404)
    ),
)
class AccessTokenViewSet(viewsets.GenericViewSet):
    """The caller's own personal access tokens; the token itself is returned once, at creation."""

    serializer_class = s.CreateAccessTokenSerializer  # what OPTIONS describes
    lookup_url_kwarg = "tokenId"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    def list(self, request):
        return Response(s.ListAccessTokensResponseSerializer({"tokens": self.get_queryset()}).data)

    def create(self, request):
        body = s.CreateAccessTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            token, plaintext = services.create_api_token(
                user=request.user, name=body.validated_data["name"], expires_at=body.validated_data.get("expiresAt")
            )
        except DjangoValidationError as exc:
            duplicate = [e for e in getattr(exc, "error_dict", {}).get("name", []) if e.code == "duplicate"]
            if duplicate:
                return Response({"message": duplicate[0].messages[0]}, status=status.HTTP_409_CONFLICT)
            raise api_errors(exc, {"expires_at": ("expiresAt",)}) from None
        return Response(s.CreateAccessTokenResponseSerializer({"accessKey": plaintext, "token": token}).data)

    def destroy(self, request, **kwargs):
        services.revoke_api_token(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
