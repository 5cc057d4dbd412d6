from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from seqera.choices import badge_class, is_busy
from workspaces.permissions import role_allows
from workspaces.sections import sections

register = template.Library()

_SPINNER = mark_safe('<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>')  # noqa: S308


@register.simple_tag
def status_badge(status: str, message: str = "", badge_id: str = "", big: bool = False) -> SafeString:
    """``{% status_badge status message %}``; tables call it directly (no template per cell). The
    colour and the spinner come from the status choices (`seqera.choices.StatusChoices`)."""
    classes = f"badge status-badge{' fs-6' if big else ''} {badge_class(status)}"
    return format_html(
        '<span{} class="{}"{}>{}{}</span>',
        format_html(' id="{}"', badge_id) if badge_id else "",
        classes,
        format_html(' title="{}"', message) if message else "",
        _SPINNER if is_busy(status) else "",
        status or "NOT VALIDATED",
    )


_ORG_RANK = {"collaborator": 0, "member": 1, "owner": 2}


@register.filter
def allows(role, action: str) -> bool:
    """``{% if role|allows:"credentials:write" %}``: the permission map, in templates."""
    return role_allows(role, action)


@register.filter
def org_at_least(org_role, minimum: str) -> bool:
    """``{% if org_role|org_at_least:"owner" %}``: organization roles, in templates."""
    return org_role in _ORG_RANK and _ORG_RANK[org_role] >= _ORG_RANK[minimum]


@register.filter
def widget(bound_field):
    """The field's widget with Bootstrap's `is-invalid` when the field has errors."""
    if not bound_field.errors:
        return bound_field.as_widget()
    css = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{css} is-invalid".strip()})


@register.filter
def is_checkbox(bound_field) -> bool:
    return bound_field.widget_type == "checkbox"


@register.filter
def verbose_name(obj) -> str:
    """The model's human name: ``{{ object|verbose_name }}`` -> "compute environment"."""
    return obj._meta.verbose_name


@register.simple_tag
def workspace_sections(workspace) -> list[dict]:
    """The workspace's navigation entries the installed apps registered (`workspaces.sections`)."""
    return [{"key": section.key, "title": section.title, "url": section.url(workspace)} for section in sections()]
