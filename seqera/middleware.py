import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

from seqera.logging import current_request_id

request_logger = logging.getLogger("seqera.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")

SESSION_STARTED_KEY = "_session_started_at"


class AbsoluteSessionTimeoutMiddleware:
    """Ends a signed-in session a fixed time after sign-in, however active it was.

    The idle timeout is Django's own (SESSION_COOKIE_AGE refreshed on every request); this adds
    the absolute limit (SESSION_ABSOLUTE_SECONDS) that Django lacks.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(SESSION_STARTED_KEY)
            now = int(time.time())
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives every request an id and logs one line when it ends.

    The id is the caller's ``X-Request-ID`` when it is a short token of letters, digits and
    dashes (a proxy's id carries through), else a new random one; it is returned in the
    response's ``X-Request-ID`` and set on every log record of the request (`seqera.logging`).
    The request line names the view and its route pattern, never the path itself (paths can hold
    one-time tokens, e.g. an invitation link), with status, duration, user and workspace ids.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
        request.request_id = request_id
        reset = current_request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            current_request_id.reset(reset)

    @staticmethod
    def _log(request, status: int, started: float) -> None:
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        workspace = getattr(request, "workspace", None)
        request_logger.info(
            "%s %s %s",
            request.method,
            match.view_name if match else "-",
            status,
            extra={
                "method": request.method,
                "view": match.view_name if match else None,
                "route": match.route if match else None,
                "status": status,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "workspace_id": getattr(workspace, "pk", None),
            },
        )
