"""Error responses for the whole site: pages in the product's layout with a way back, JSON under /api/.

Django calls these for exceptions that reach the URL resolver (PermissionDenied, Http404, any
uncaught error). The 500 page renders without context processors, so it must not need a request.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

API_PREFIX = "/api/"

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have permission to do this.",
    404: "No such page, or it is not in a workspace you belong to.",
    500: "Something went wrong on our side. It has been logged; please try again.",
}


def _respond(request: HttpRequest, status: int, message: str = "", *, with_context: bool = True) -> HttpResponse:
    message = message or MESSAGES[status]
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"message": message}, status=status)
    context = {"status": status, "message": message, "page_title": _TITLES[status]}
    body = loader.get_template("errors/error.html").render(context, request if with_context else None)
    return HttpResponse(body, status=status)


_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 500: "Server error"}


def _detail(exception) -> str:
    """The message an exception was raised with, when it was written for the user."""
    text = str(exception.args[0]) if exception and exception.args and isinstance(exception.args[0], str) else ""
    return text if text and "\n" not in text and len(text) < 300 else ""


def bad_request(request, exception=None):
    return _respond(request, 400)


def permission_denied(request, exception=None):
    return _respond(request, 403, _detail(exception))


def page_not_found(request, exception=None):
    return _respond(request, 404)


def server_error(request):
    return _respond(request, 500, with_context=False)
