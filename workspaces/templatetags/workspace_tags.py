from django import template
from django.utils.html import escape, format_html
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


@register.simple_tag
def workspace_switcher(switcher, current=None) -> SafeString:
    """The switcher's entries, grouped by organization in the order given (``{% regroup %}``'s
    grouping of consecutive rows), the current workspace marked active; written in Python, as the
    navigation bar is on every page (tests/test_layout.py compares it with the template it replaced)."""
    current_pk = getattr(current, "pk", None)
    parts: list[str] = []
    group = None
    for ws in switcher:
        if ws.org.name != group:
            group = ws.org.name
            parts.append(f'<li><h6 class="dropdown-header">{escape(group)}</h6></li>')
        full = (
            f' <span class="text-muted small">{escape(ws.full_name)}</span>'
            if ws.full_name and ws.full_name != ws.name
            else ""
        )
        active = " active" if ws.pk == current_pk else ""
        parts.append(
            f'<li><a class="dropdown-item{active}" href="{escape(ws.url("workspaces:workspace_detail"))}">'
            f"{escape(ws.name)}{full}</a></li>"
        )
    if not parts:
        parts.append('<li><span class="dropdown-item-text text-muted">No workspaces yet</span></li>')
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped
