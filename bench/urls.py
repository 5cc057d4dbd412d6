"""The product's URLs plus the framework floor, for benchmarks only (`bench.settings` selects this
URLconf; `seqera.urls`, which the product serves, never routes to the floor)."""

from django.http import HttpResponse
from django.urls import path

from seqera.urls import handler400, handler403, handler404, handler500
from seqera.urls import urlpatterns as product_urlpatterns

FLOOR_PATH = "/__bench__/floor"
FLOOR_BODY = b"floor\n"


def floor(request):
    """A fixed body through the same server and middleware as every page: what Django costs."""
    return HttpResponse(FLOOR_BODY, content_type="text/plain; charset=utf-8")


urlpatterns = [path(FLOOR_PATH.lstrip("/"), floor, name="bench-floor"), *product_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
