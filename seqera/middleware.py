import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone

from seqera.jsonio import NUL_MESSAGE
from seqera.logging import current_request_id

request_logger = logging.getLogger("seqera.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")

SESSION_STARTED_KEY = "_session_started_at"
SESSION_ACTIVE_KEY = "_session_active_at"
POLL_META = "HTTP_X_BACKGROUND_POLL"  # the X-Background-Poll header of live status blocks


class AbsoluteSessionTimeoutMiddleware:
    """Ends a signed-in session after SESSION_IDLE_SECONDS without a request from the person, and
    SESSION_ABSOLUTE_SECONDS after sign-in however active it was.

    Activity is written to the session at most once per SESSION_TOUCH_SECONDS (each write also
    renews the cookie and the row's expiry), not on every request; background polls of live
    status blocks are not activity, so a page left open does not keep its session alive.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            session, now = request.session, int(timezone.now().timestamp())
            started = session.get(SESSION_STARTED_KEY)
            active = session.get(SESSION_ACTIVE_KEY, started)
            if started is None:
                session[SESSION_STARTED_KEY] = session[SESSION_ACTIVE_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS or now - active > settings.SESSION_COOKIE_AGE:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
            elif POLL_META not in request.META and now - active >= settings.SESSION_TOUCH_SECONDS:
                session[SESSION_ACTIVE_KEY] = now
        return self.get_response(request)


class RejectNulMiddleware:
    """Answers 400, naming the parameter, when the URL path, a query parameter or a form field
    holds a NUL character: PostgreSQL cannot store or compare NUL in text (a DataError, so a 500)
    and no field of this service accepts one. JSON bodies are checked by the API's parser
    (`seqera.drf.BoundedJSONParser`), which names the JSON path the same way."""

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self.offending_field(request)
        if field is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"message": f"{field}: {NUL_MESSAGE}", "errors": {field: [NUL_MESSAGE]}}, status=400)
        return HttpResponseBadRequest(f"{field}: {NUL_MESSAGE}".encode(), content_type="text/plain; charset=utf-8")

    def offending_field(self, request) -> str | None:
        if "\x00" in request.path:
            return "path"
        sources = [request.GET]
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return key.replace("\x00", "\\x00")
        return None


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
