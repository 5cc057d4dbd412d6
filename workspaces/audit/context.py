"""Who is acting, and from where: the request context every audit record reads.

`AuditContextMiddleware` opens a context per request (user read lazily, so the API's token
authentication, which runs later inside the view, is seen too; the token is added by
`BearerTokenAuthentication` through `set_token`). Outside a request (workers, management
commands, tests calling services directly) there is no context and records name no one ("system").
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


def client_address(request) -> str | None:
    """The client address of `request` as the settings resolve it.

    The one place the audit trail reads an address: it asks django-axes' resolver, so it follows
    whatever the installation configures for sign-in throttling (trusted proxies,
    ``AXES_CLIENT_IP_CALLABLE``), and falls back to ``REMOTE_ADDR``.
    """
    try:
        from axes.helpers import get_client_ip_address

        address = get_client_ip_address(request)
    except Exception:  # noqa: BLE001 - an address resolver must never break the request it describes
        address = None
    address = address or getattr(request, "META", {}).get("REMOTE_ADDR") or None
    return _valid_ip(address)


def _valid_ip(address: str | None) -> str | None:
    if not address:
        return None
    import ipaddress

    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


@dataclass
class AuditContext:
    request: object | None = None
    address: str | None = None
    request_id: str = ""
    user: object | None = None  # explicit user (outside requests); else read from the request
    token: object | None = None
    cache: dict = field(default_factory=dict)  # per-request memo (workspace names, ...)

    @property
    def actor(self):
        user = self.user
        if user is None and self.request is not None:
            user = getattr(self.request, "user", None)
        return user if getattr(user, "is_authenticated", False) else None


_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current() -> AuditContext | None:
    return _current.get()


@contextmanager
def bind(*, request=None, user=None, token=None, address: str | None = None):
    """Opens an audit context (a request, or an explicit user for work outside requests)."""
    context = AuditContext(
        request=request,
        address=address if address is not None else (client_address(request) if request is not None else None),
        request_id=uuid.uuid4().hex,
        user=user,
        token=token,
    )
    reset = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(reset)


def set_token(token) -> None:
    context = _current.get()
    if context is not None:
        context.token = token


class AuditContextMiddleware:
    """Opens an audit context around each request (after authentication in MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with bind(request=request):
            return self.get_response(request)
