"""Error responses for the whole site: pages in the product's layout with a way back, JSON
(Seqera's ``{"message"}``) under /api/, and server errors the client can act on.

* Django calls the handlers below for exceptions that reach the URL resolver (PermissionDenied,
  Http404, any uncaught error). Error pages render without context processors when the request
  failed on the server (they would ask the database again).
* A database that stops answering mid-request (connection terminated, failover, restart)
  answers 503 with ``Retry-After``, not a bare 500: the request's transaction was rolled back,
  so trying again is safe.
* The session store retries a session save once on a fresh connection when the connection broke,
  instead of Django's misleading "the request's session was deleted" (SessionInterrupted).
"""

from __future__ import annotations

import sys

from django.contrib.sessions.backends import db as db_sessions
from django.contrib.sessions.backends.base import UpdateError
from django.db import InterfaceError, OperationalError, connections, router
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone

from seqera.prepared import PreparedQuery, model_columns, model_instance

API_PREFIX = "/api/"
DB_UNAVAILABLE = "The database did not answer, so nothing was changed. Try again in a moment."
SERVER_ERROR = "Something went wrong on our side; it has been logged."
RETRY_AFTER_SECONDS = 5

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have permission to do this.",
    404: "No such page, or it is not in a workspace you belong to.",
    500: SERVER_ERROR,
    503: DB_UNAVAILABLE,
}
TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    500: "Server error",
    503: "Service briefly unavailable",
}


def _respond(request: HttpRequest, status: int, message: str = "", *, with_context: bool = True, headers=None):
    message = message or MESSAGES[status]
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"message": message}, status=status, headers=headers)
    context = {"status": status, "message": message, "page_title": TITLES[status]}
    body = loader.get_template("errors/error.html").render(context, request if with_context else None)
    return HttpResponse(body, status=status, headers=headers)


def _detail(exception) -> str:
    """The message an exception was raised with, when it was written for the user."""
    text = str(exception.args[0]) if exception and exception.args and isinstance(exception.args[0], str) else ""
    return text if text and "\n" not in text and len(text) < 300 else ""


def is_db_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def bad_request(request, exception=None):
    return _respond(request, 400)


def permission_denied(request, exception=None):
    return _respond(request, 403, _detail(exception))


def page_not_found(request, exception=None):
    return _respond(request, 404)


def server_error(request, *args, **kwargs):
    """handler500: 503 with Retry-After for a database that stopped answering, 500 otherwise."""
    if is_db_unavailable(sys.exc_info()[1]):
        return _respond(request, 503, with_context=False, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return _respond(request, 500, with_context=False)


def _session_by_key(key: str):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=key).order_by().values_list(*model_columns(Session))


_SESSION = PreparedQuery(_session_by_key, strs=("key",))


class SessionStore(db_sessions.SessionStore):
    """Database sessions that tell a broken connection from a deleted session, read on every
    request with a statement compiled once per process (as Django reads them: an expired
    session is no session)."""

    def _get_session_from_db(self):
        rows = _SESSION.rows(router.db_for_read(self.model), key=self.session_key)
        session = model_instance(self.model, rows[0])[0] if rows else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session

    def save(self, must_create=False):
        try:
            return super().save(must_create)
        except UpdateError as exc:
            cause = exc.__context__
            if not is_db_unavailable(cause):
                raise  # the session row really is gone (signed out elsewhere)
        connection = connections[router.db_for_write(self.model)]
        if connection.in_atomic_block:
            raise cause
        connection.close()  # the server dropped it: once more on a new connection
        try:
            return super().save(must_create)
        except UpdateError as exc:
            raise (exc.__context__ or exc) from None
