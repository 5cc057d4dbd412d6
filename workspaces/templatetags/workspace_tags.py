from django import template

from workspaces.permissions import role_allows

register = template.Library()

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
