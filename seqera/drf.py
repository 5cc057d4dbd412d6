"""DRF plumbing named in settings (parser, metadata). Kept apart from `seqera.api`, which imports
DRF's views: settings-loaded classes must not import them (DRF resolves these while importing views)."""

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.metadata import BaseMetadata
from rest_framework.parsers import JSONParser

from seqera.jsonio import JSONInputError, parse_json


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser reads the request stream itself, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE:
    this one applies that limit (413), and refuses deep nesting and malformed JSON with a 400
    (`seqera.jsonio.parse_json`), never a RecursionError, and a NUL in any string with a 400 that
    names its path (PostgreSQL would refuse it with a DataError, a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        data = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(data) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit:,} bytes.")
        try:
            return parse_json(data)
        except JSONInputError as exc:
            if exc.path:  # a NUL in a string: a field error, named like every other
                raise exceptions.ValidationError({exc.path: [str(exc)]}) from None
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None


class RoutePermissionMetadata(BaseMetadata):
    """OPTIONS answers only where GET would, and says only what the route is.

    Guarantee: before describing the route, the view's own GET handler runs (its body is thrown
    away; GET never writes), so OPTIONS meets every refusal GET meets (401, 403, 404 for an object
    or workspace that is not the caller's). A route without GET looks its object up the same way
    (`get_object`). The answer holds the view's name and media types, nothing about serializers
    or objects."""

    def determine_metadata(self, request, view):
        get = getattr(view, "get", None)
        if get is not None:
            get(request, *view.args, **view.kwargs)
        elif hasattr(view, "get_object") and (view.lookup_url_kwarg or view.lookup_field) in view.kwargs:
            view.get_object()
        return {
            "name": view.get_view_name(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
