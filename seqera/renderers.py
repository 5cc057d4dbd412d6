"""The form renderer of every page (``FORM_RENDERER``): Django's, with its select and input widgets
written in Python. Django's select template includes one template per option and one per attribute
list, so a 30-option select (the region filter) cost about 5 ms, a fifth of a list page's time; an
input is three templates (its type's, input.html, attrs.html), about 0.15 ms each, seven of them
on the run list's filter form."""

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
# Django's input widgets whose template is exactly ``{% include "django/forms/widgets/input.html" %}``
INPUTS = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password", "search",
                 "tel", "text", "time", "url")
}  # fmt: skip


class FormRenderer(DjangoTemplates):
    """Guarantees: a select widget and Django's input widgets render to exactly the HTML Django's
    templates give them (tests/test_renderers.py compares them); any other template, or a select
    with a custom option template, renders through Django's templates."""

    def render(self, template_name, context, request=None):
        if template_name in INPUTS and "widget" in context:
            return render_input(context["widget"])
        widget = context.get("widget") if template_name == SELECT else None
        if widget is None or any(
            option["template_name"] != OPTION for _, options, _ in widget["optgroups"] for option in options
        ):
            return super().render(template_name, context, request=request)
        return render_select(widget)


def _attrs(attrs: dict) -> str:
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict) -> str:
    context = Context(autoescape=True)
    parts = [f'<select name="{render_value_in_context(widget["name"], context)}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{render_value_in_context(group_name, context)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{render_value_in_context(option['label'], context)}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def render_input(widget: dict) -> str:
    context = Context(autoescape=True)
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return f'<input type="{render_value_in_context(widget["type"], context)}" name="{render_value_in_context(widget["name"], context)}"{shown}{_attrs(widget["attrs"])}>'
