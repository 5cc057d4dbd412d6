from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from workspaces import crypto


@register()
def credentials_key_ring(app_configs, **kwargs):
    """The service refuses to start with a missing or malformed credentials key ring."""
    try:
        crypto.parse_key_ring(settings.CREDENTIALS_KEYS)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="workspaces.E001")]
    return []


@register(deploy=True)
def api_is_closed_by_default(app_configs, **kwargs):
    drf = settings.REST_FRAMEWORK
    errors = []
    if "rest_framework.permissions.AllowAny" in drf.get("DEFAULT_PERMISSION_CLASSES", []):
        errors.append(Error("The API must not allow anonymous access by default.", id="workspaces.E002"))
    if "rest_framework.authentication.BasicAuthentication" in drf.get("DEFAULT_AUTHENTICATION_CLASSES", []):
        errors.append(Error("Basic authentication must not be enabled for the API.", id="workspaces.E003"))
    return errors
