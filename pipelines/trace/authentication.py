"""Authentication of the trace routes: the two ways Nextflow's TowerClient sends a token.

TowerClient.setupClientAuth (nf-tower plugin): a JWT-looking token goes as ``Authorization:
Bearer <token>``; any other token as HTTP Basic with user ``@token`` and the token as password.
Both are accepted here, for two kinds of token:

* a run token (``sqr_…``, `tokens.run_token`): the caller is the run's owner and `request.auth`
  is a `services.Principal` bound to that run; it opens these routes for that run only;
* a personal access token (``sqt_…``), checked exactly as the API's bearer authentication
  does (hash lookup, active user, expiry, last use, audit).

No session authentication: the trace routes are for Nextflow, not for a browser (and need no CSRF).
No refresh-token flow either: launches hand no TOWER_REFRESH_TOKEN, so a 401 is final.
"""

from __future__ import annotations

import base64
import binascii

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from pipelines.models import Run
from pipelines.trace import tokens
from pipelines.trace.services import Principal
from workspaces.api.authentication import BearerTokenAuthentication

BASIC_USER = "@token"


def presented_token(request) -> str | None:
    header = authentication.get_authorization_header(request).decode("latin-1")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise exceptions.AuthenticationFailed("Malformed basic authorization header.") from None
        if user != BASIC_USER or not password:
            raise exceptions.AuthenticationFailed("Use the user name @token and an access token as password.")
        return password
    return None


class TraceAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        token = presented_token(request)
        if token is None:
            return None
        if token.startswith(tokens.PREFIX):
            run_id = tokens.run_id_of(token)
            run = Run.objects.select_related("owner").filter(pk=run_id).first() if run_id else None
            if run is None or run.owner is None or not run.owner.is_active:
                raise exceptions.AuthenticationFailed("Invalid or revoked access token.")
            return run.owner, Principal(user=run.owner, run_id=run.pk)
        user, api_token = BearerTokenAuthentication().authenticate_token(request, token)
        return user, Principal(user=user)

    def authenticate_header(self, request):
        return "Bearer"


class TraceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "pipelines.trace.authentication.TraceAuthentication"
    name = "TraceAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The run's token (TOWER_ACCESS_TOKEN) or a personal access token; "
            "also accepted as HTTP Basic with user `@token`, as Nextflow's tower plugin sends it.",
        }
