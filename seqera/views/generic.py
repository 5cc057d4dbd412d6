"""Generic object pages, as in NetBox's ``netbox/views/generic``: a list, detail, create/edit and
delete page for a model is declarations only (model, form_class, table_class, filterset_class,
permission) on these classes plus a scoping mixin (``workspaces.tenancy.WorkspacePage``).

Guarantees:

* ``self.object`` is looked up in the view's (already scoped) ``get_queryset()`` before any method
  check, so an object outside the scope is 404 whatever the method;
* every write goes through the form's ``save()`` (a service call) inside one transaction; a
  service's ``ValidationError`` lands beside the form's fields (`seqera.forms.add_service_errors`),
  nothing is saved and the form is shown again;
* a delete is confirmed on a GET page (with what would refuse it, and optionally the typed name)
  and performed by ``perform_delete`` on POST; a refusal becomes a message, never a 500;
* list pages filter with an explicit ``filterset_class`` only (an auto-generated one would list
  other tenants' rows in its choices).
"""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from seqera.forms import add_service_errors


class PageMixin:
    """Context every page template uses: `layout` to extend, `section` for the navigation."""

    layout = "layouts/page.html"
    section = ""
    page_title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("layout", self.layout)
        context.setdefault("section", self.section)
        context.setdefault("page_title", self.get_page_title())
        return context

    def get_page_title(self) -> str:
        return self.page_title


class ObjectMixin:
    """`self.object` from the (already scoped) queryset and the URL's `pk`, or None on create."""

    lookup_url_kwarg = "pk"
    lookup_field = "pk"
    context_object_name: str | None = None

    def get_object(self):
        if self.lookup_url_kwarg not in self.kwargs:
            return None
        return get_object_or_404(self.get_queryset(), **{self.lookup_field: self.kwargs[self.lookup_url_kwarg]})

    def dispatch_object(self):
        self.object = self.get_object()

    def get(self, request, *args, **kwargs):
        self.dispatch_object()  # an unknown object is 404 before any method check
        handler = getattr(super(), "get", None)
        if handler is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return handler(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.dispatch_object()  # an unknown object is 404 before any method check
        handler = getattr(super(), "post", None)
        if handler is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return handler(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("object", self.object)
        if self.context_object_name:
            context.setdefault(self.context_object_name, self.object)
        return context


# A notice about queued work ("Validation … is queued"): the page removes it as soon as a live status
# block reports the work done (static/js/app.js), so it never sits beside the final status.
PENDING_NOTICE = "pending"


class ObjectDetailView(PageMixin, ObjectMixin, TemplateView):
    """One scoped object's page; declare `template_name` (and `context_object_name` if the
    template names it other than `object`)."""


class ObjectFormView(PageMixin, ObjectMixin, FormView):
    """Create (no `pk` in the URL) or edit a scoped object through a `seqera.forms.ServiceForm`:
    the form's `save()` returns the saved object or raises the service's ValidationError. After
    saving it redirects to `get_success_url()`, by default the object's `get_absolute_url()`."""

    template_name = "generic/object_form.html"
    submit_label = "Save"
    success_message = "Saved."
    success_message_tags = ""  # PENDING_NOTICE: the page clears it once the work it announces is done

    def form_context(self) -> dict:
        return {
            "user": self.request.user,
            "org": getattr(self, "org", None),
            "workspace": getattr(self, "workspace", None),
            "base_url": self.request.build_absolute_uri("/").rstrip("/"),
        }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=self.object, context=self.form_context())
        return kwargs

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = form.save()
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(), extra_tags=self.success_message_tags)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        if self.success_url:
            return str(self.success_url)
        if self.object is None or not hasattr(self.object, "get_absolute_url"):
            raise AttributeError(f"{type(self).__name__} declares no success URL")
        return self.object.get_absolute_url()

    def get_success_message(self) -> str:
        return self.success_message.format(object=self.object)

    def get_cancel_url(self) -> str:
        try:
            return self.get_success_url()
        except AttributeError:  # a success URL that needs the object not created yet
            return reverse("home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(submit_label=self.submit_label, cancel_url=self.get_cancel_url())
        return context


class ObjectDeleteView(PageMixin, ObjectMixin, TemplateView):
    """GET asks for confirmation, POST deletes through `perform_delete`; a refusal (the service
    raises ValidationError) is shown as a message on the page the user came from.

    What would refuse the delete (`blockers()`) is said on the confirmation page, whose button is
    then off; with `confirm_by_name` the user types the object's name (`confirmation_name()`) and a
    POST without it deletes nothing."""

    template_name = "generic/object_confirm_delete.html"
    success_message = "Deleted {object}."
    consequences = ""
    confirm_by_name = False

    def perform_delete(self, obj):
        raise NotImplementedError

    def blockers(self) -> list[str]:
        return []

    def must_confirm_by_name(self) -> bool:
        return self.confirm_by_name

    def confirmation_name(self) -> str:
        return getattr(self.object, "name", str(self.object))

    def post(self, request, *args, **kwargs):
        self.dispatch_object()
        label = str(self.object)
        if self.must_confirm_by_name() and request.POST.get("confirm_name", "").strip() != self.confirmation_name():
            messages.error(request, f"Type {self.confirmation_name()} to confirm the delete; nothing was deleted.")
            return redirect(request.get_full_path())
        try:
            with transaction.atomic():
                self.perform_delete(self.object)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(self.get_cancel_url())
        messages.success(request, self.success_message.format(object=label))
        return redirect(self.get_success_url())

    def get_cancel_url(self) -> str:
        return self.get_success_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            cancel_url=self.get_cancel_url(),
            consequences=self.consequences,
            object_type=self.object._meta.verbose_name,
            blockers=self.blockers(),
            confirm_name=self.confirmation_name() if self.must_confirm_by_name() else "",
        )
        return context


class ObjectActionView(ObjectMixin, View):
    """A POST-only button on an object's page (make primary, disable, retry…): `act(obj)` calls a
    service and returns the success message; a refusal (ValidationError) becomes an error
    message. Either way the browser returns to `get_success_url()` (the object's page)."""

    http_method_names = ["post"]
    message_tags = ""  # PENDING_NOTICE when the action queues work a live block reports on

    def act(self, obj) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.dispatch_object()
        try:
            with transaction.atomic():
                message = self.act(self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, message, extra_tags=self.message_tags)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()


class ObjectListView(PageMixin, SingleTableMixin, FilterView):
    """A django-tables2 table (25 rows a page) over the scoped queryset, filtered by an explicit
    `filterset_class` (never an auto-generated one: its choice fields would list other tenants)."""

    template_name = "generic/object_list.html"
    table_pagination = {"per_page": 25}
    filterset_class = None

    def get_filterset_class(self):
        if self.filterset_class is None:
            raise ImproperlyConfigured(f"{type(self).__name__} declares no filterset_class")
        return self.filterset_class
