from django.utils import timezone
from rest_framework import authentication, exceptions

from seqera.prepared import PreparedQuery, model_columns, model_instance
from workspaces import audit
from workspaces.models import ApiToken

_BY_HASH = PreparedQuery(
    lambda digest: ApiToken.objects.filter(token_hash=digest).order_by().values_list(*model_columns(ApiToken, "user")),
    strs=("digest",),
)


def token_with_user(digest: str) -> ApiToken | None:
    """The token whose SHA-256 is `digest`, with its user (one statement compiled once per process)."""
    rows = _BY_HASH.rows(digest=digest)
    return model_instance(ApiToken, rows[0], "user")[0] if rows else None


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <personal access token>``; tokens are looked up by their SHA-256."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        token = token.strip()
        if not token:
            raise exceptions.AuthenticationFailed("Empty bearer token.")
        return self.authenticate_token(request, token)

    def authenticate_token(self, request, token: str):
        """(user, token row) for a personal access token, or AuthenticationFailed (also used by
        the trace routes, where Nextflow may send the token as HTTP Basic ``@token:<token>``)."""
        row = token_with_user(ApiToken.hash(token))
        if row is None or not row.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked access token.")
        if row.is_expired:
            raise exceptions.AuthenticationFailed("This access token has expired: create a new one.")
        # At most one write a minute per token keeps authenticated requests cheap.
        if row.last_used is None or (timezone.now() - row.last_used).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used=timezone.now())
        audit.token_used(request, row)  # the token in the audit context; first use per address recorded
        return row.user, row

    def authenticate_header(self, request):
        return self.keyword
