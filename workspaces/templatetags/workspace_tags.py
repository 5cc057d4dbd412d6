from django import template

from workspaces.permissions import role_allows

register = template.Library()


@register.filter
def allows(role, action: str) -> bool:
    """``{% if role|allows:"credentials:write" %}``: the permission map, in templates."""
    return role_allows(role, action)
