"""Server errors the client can act on.

* A database that stops answering mid-request (connection terminated, failover, restart)
  answers 503 with ``Retry-After``, not a bare 500: the request's transaction was rolled back,
  so trying again is safe. Under ``/api/`` every server error is JSON (Seqera's ``{"message"}``),
  never an HTML page.
* The session store retries a session save once on a fresh connection when the connection broke,
  instead of Django's misleading "the request's session was deleted" (SessionInterrupted).
"""

from __future__ import annotations

import sys

from django.contrib.sessions.backends import db as db_sessions
from django.contrib.sessions.backends.base import UpdateError
from django.db import InterfaceError, OperationalError, connections, router
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

DB_UNAVAILABLE = "The database did not answer, so nothing was changed. Try again in a moment."
SERVER_ERROR = "Something went wrong on our side; it has been logged."
RETRY_AFTER_SECONDS = 5

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem"><h1>{title}</h1><p>{message}</p>
<p><a href="javascript:history.back()">Back</a></p></body></html>"""


def is_db_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request, *args, **kwargs):
    """handler500: 503 for a database that stopped answering, 500 otherwise; JSON under /api/.

    The page is plain HTML without context processors (they would ask the database again)."""
    exc = sys.exc_info()[1]
    unavailable = is_db_unavailable(exc)
    status = 503 if unavailable else 500
    message = DB_UNAVAILABLE if unavailable else SERVER_ERROR
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if unavailable else {}
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message}, status=status, headers=headers)
    title = "Service briefly unavailable" if unavailable else "Server error"
    body = _PAGE.format(title=title, message=escape(message))
    return HttpResponse(body, status=status, headers=headers, content_type="text/html; charset=utf-8")


class SessionStore(db_sessions.SessionStore):
    """Database sessions that tell a broken connection from a deleted session."""

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
