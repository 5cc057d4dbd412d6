"""Routes under /api/: the OpenAPI document, its docs pages (served offline from the sidecar's
static files, scripts from 'self' only) and the apps' API routes."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from seqera.api import not_found

# Swagger UI and Redoc style their widgets with inline styles; scripts stay 'self'-only.
DOCS_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}

# HTML pages: no OPTIONS (DRF would render its metadata through the page template, which fails).
DOCS_METHODS = ["get", "head"]

urlpatterns = [
    path("openapi", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs",
        csp_update(DOCS_CSP)(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api/swagger_ui.html", http_method_names=DOCS_METHODS
            )
        ),
        name="api-docs",
    ),
    path(
        "redoc",
        csp_update(DOCS_CSP)(
            SpectacularRedocView.as_view(
                url_name="api-schema", template_name="api/redoc.html", http_method_names=DOCS_METHODS
            )
        ),
        name="api-redoc",
    ),
    path("", include("workspaces.api.urls")),
    path("", include("computeenvs.api.urls")),
    path("", include("pipelines.api.urls")),
    path("", include("pipelines.trace.urls")),
    re_path(r"", not_found, name="api-not-found"),
]
