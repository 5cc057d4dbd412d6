"""API plumbing shared by every app: the error envelope and the API root.

Errors follow Seqera's ``ErrorResponse`` (``{"message": ...}``); validation errors add
``errors``, a map from the camelCase field path to its messages, so a client can show each
message beside its field.
"""

import functools
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from seqera.exceptions import NotAllowed


class ErrorResponseSerializer(serializers.Serializer):
    message = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors: field path (camelCase) -> messages.",
    )


# --------------------------------------------------------------------------- schema declarations
WORKSPACE_ID = OpenApiParameter(
    "workspaceId", OpenApiTypes.INT64, required=True, description="Workspace numeric identifier"
)
ERRORS = {
    400: OpenApiResponse(ErrorResponseSerializer, description="Bad request (validation errors per field)"),
    401: OpenApiResponse(ErrorResponseSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorResponseSerializer, description="Operation not allowed for your role"),
    404: OpenApiResponse(ErrorResponseSerializer, description="Not found (or not visible to you)"),
    409: OpenApiResponse(ErrorResponseSerializer, description="Duplicate element"),
}


def responses(ok: dict, *codes: int) -> dict:
    """An operation's documented responses: `ok` (``{200: Serializer}``), 400, 401 and `codes`."""
    return {**ok, **{code: ERRORS[code] for code in (400, 401, *codes)}}


def _flatten(detail, prefix="") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            path = key if not prefix else (f"{prefix}.{key}" if key != "non_field_errors" else prefix)
            out.update(_flatten(value, path))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def validation_response(errors: dict[str, list[str]]) -> Response:
    errors = {camel(k) if "_" in k and k != "non_field_errors" else k: v for k, v in errors.items()}
    first_field, first_messages = next(iter(errors.items()))
    where = "" if first_field == "non_field_errors" else f"{first_field}: "
    return Response({"message": f"{where}{first_messages[0]}", "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def api_errors(
    exc: DjangoValidationError, field_map: dict[str, tuple[str, ...]] | None = None
) -> exceptions.APIException:
    """The one translation of a service's ValidationError for the API: a DRF error keyed by API
    field paths (`field_map`: service key -> path of nested API fields, e.g. ``("credentials",
    "keys", "secretKey")``); a refusal for the caller's role (`NotAllowed`) is a 403 with the
    service's message. Raise what it returns: ``raise api_errors(exc, FIELDS) from None``."""
    if isinstance(exc, NotAllowed):
        return exceptions.PermissionDenied(" ".join(exc.messages))
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    detail: dict = {}
    for field, messages in exc.message_dict.items():
        path = (field_map or {}).get(field, ("non_field_errors",) if field == "__all__" else (field,))
        node = detail
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1], []).extend(messages)
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    """Every API error as Seqera's ``ErrorResponse``. (The project's handler,
    `workspaces.tenancy.api_exception_handler`, records denials first and then calls this.)"""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return validation_response(_flatten(detail))
    if isinstance(exc, exceptions.ValidationError):
        return validation_response(_flatten(exc.detail))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"message": str(response.data["detail"])}
    return response


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Any /api/ URL no route matches (including ids that do not fit a path converter): a JSON 404."""
    raise exceptions.NotFound("No API operation at this URL.")


# --------------------------------------------------------------------------- paging
# Seqera's list endpoints have no page size cap; ours bound every response. `totalSize` in the
# response tells a client written for Seqera that there is more to fetch with `offset`.
DEFAULT_PAGE = 100
MAX_PAGE = 1000
MAX_ID = 2**63 - 1  # the largest id (and offset) a database integer holds; beyond it SQLite raises


class PageQuery(serializers.Serializer):
    max = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, help_text="Pagination max results")
    offset = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_ID, default=0, help_text="Pagination offset"
    )
    search = serializers.CharField(required=False, allow_blank=True, help_text="Filter search parameter")


def query_params(request, serializer_class) -> dict:
    """The query string's parameters as `serializer_class` (a serializer of plain fields whose
    validation reads nothing but the values) validates them; a 400 when it refuses them."""
    return dict(_validated_query(serializer_class, tuple(request.query_params.dict().items())))


@functools.lru_cache(maxsize=512)
def _validated_query(serializer_class, items: tuple) -> tuple:
    # Remembered per query string: the same parameters validate the same way every time, and
    # a page's query (``?workspaceId=…``, ``&offset=…``) repeats; a refusal raises, never kept.
    query = serializer_class(data=dict(items))
    query.is_valid(raise_exception=True)
    validated = tuple(query.validated_data.items())
    if not all(isinstance(value, _SCALARS) for _, value in validated):
        raise TypeError(f"{serializer_class.__name__} validates to a value a later request could change")
    return validated


_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Page:
    """One page of a list: what list response serializers read (``source="items"``, ``"total"``,
    ``"has_more"``), so every paged envelope is built the same way. `total` is None when the
    rows were not counted (`page(..., count=False)`); `more` then says whether rows remain."""

    items: list
    total: int | None
    offset: int = 0
    limit: int = DEFAULT_PAGE
    more: bool | None = None

    @property
    def has_more(self) -> bool:
        """Seqera's ``hasMore``: this page is full and rows remain after it."""
        if self.more is not None:
            return self.more
        return self.total is not None and self.offset + len(self.items) < self.total and len(self.items) == self.limit


def page(queryset, params: dict, *, count: bool = True) -> Page:
    """One page of an ordered queryset: two queries, the page and its COUNT, however many rows
    there are (a short list costs what a long one does, so a query budget measured on either
    holds for both). Without `count`, one query: the page and one row more, to tell `has_more`
    (Seqera's ``includeTotalSize=false``, for lists too long to count on every request)."""
    offset, limit = params.get("offset", 0), params.get("max", DEFAULT_PAGE)
    if count:
        return Page(list(queryset[offset : offset + limit]), queryset.count(), offset, limit)
    rows = list(queryset[offset : offset + limit + 1])
    return Page(rows[:limit], None, offset, limit, more=len(rows) > limit)


# --------------------------------------------------------------------------- response fields
# Response serializers map model attributes to the API's names with ``source=``; these fields
# cover what a plain DRF field does not say, so the OpenAPI document is exactly what is returned.
class Fixed(serializers.Field):
    """The same value for every object: a Seqera field this service has nothing behind
    (``deleted: false``, ``starred: false``). The OpenAPI document shows it as `like` does."""

    reads_context = False  # seqera.serializers.FastRead may share it between serializer instances

    def __init__(self, value, like: serializers.Field, **kwargs):
        self.value, self.like = value, like
        super().__init__(allow_null=like.allow_null, **kwargs)

    def get_attribute(self, instance):
        return self.value

    def to_representation(self, value):
        return value


class FixedExtension(OpenApiSerializerFieldExtension):
    target_class = Fixed

    def map_serializer_field(self, auto_schema, direction):
        return auto_schema._map_serializer_field(self.target.like, direction)


class BlankAsNull:
    """Mixin for response fields: an empty stored value (``""``, ``{}``) is returned as null, as
    Seqera returns what is not set."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class CharOrNull(BlankAsNull, serializers.CharField):
    pass


class DictOrNull(BlankAsNull, serializers.DictField):
    pass
