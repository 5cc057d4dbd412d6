"""Names that would shadow a page URL are refused by the page forms."""

import pytest

from workspaces.forms import OrganizationForm, TeamForm, WorkspaceForm


@pytest.mark.parametrize("form_class", [OrganizationForm, TeamForm, WorkspaceForm])
def test_reserved_name_is_refused(form_class):
    form = form_class({"name": "New", "visibility": "PRIVATE"})
    assert not form.is_valid()
    assert "reserved" in form.errors["name"][0]


def test_ordinary_name_passes():
    assert WorkspaceForm({"name": "newt", "visibility": "PRIVATE"}).is_valid()
