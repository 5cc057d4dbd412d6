import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, JsonResponse

from seqera.jsonio import NUL_MESSAGE

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
