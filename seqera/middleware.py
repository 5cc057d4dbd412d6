import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

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
