"""The frame every page shares: a favicon, a user menu that is not the operators' admin, and API
docs that lead back to the product."""

import pytest
from django.template import Context, Template

from tests.factories import OrganizationFactory, WorkspaceFactory
from workspaces.templatetags.workspace_tags import workspace_switcher


@pytest.mark.django_db
def test_user_menu_and_favicon(client, tenancy, django_user_model):
    client.force_login(tenancy.users["view"])
    html = client.get("/").content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert 'id="user-menu"' in html and "Profile and access tokens" in html and "Sign out" in html
    assert "/admin/" not in html  # no operator link for a user who is not staff
    staff = tenancy.users["admin"]
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert "Operators' admin (Django)" in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs", "/api/redoc"])
def test_api_docs_link_back_to_the_product(client, tenancy, path):
    client.force_login(tenancy.users["view"])
    html = client.get(path).content.decode()
    assert '<a href="/"' in html and "Seqera compute" in html


SWITCHER_TEMPLATE = Template(  # the navigation bar's switcher entries before they were written in Python
    "{% regroup switcher by org.name as groups %}{% for group in groups %}"
    '<li><h6 class="dropdown-header">{{ group.grouper }}</h6></li>{% for ws in group.list %}'
    '<li><a class="dropdown-item{% if ws.pk == workspace.pk %} active{% endif %}" '
    "href=\"{% url 'workspaces:workspace_detail' org=ws.org.name workspace=ws.name %}\">{{ ws.name }}"
    '{% if ws.full_name and ws.full_name != ws.name %} <span class="text-muted small">{{ ws.full_name }}</span>'
    "{% endif %}</a></li>{% endfor %}{% empty %}"
    '<li><span class="dropdown-item-text text-muted">No workspaces yet</span></li>{% endfor %}'
)


@pytest.mark.django_db
def test_the_switcher_is_the_template_it_replaced(tenancy):
    other = OrganizationFactory(name="other-org")
    made = [
        WorkspaceFactory(org=tenancy.org, name="a-lab", full_name='A <lab> & "co"'),
        WorkspaceFactory(org=tenancy.org, name="same", full_name="same"),
        WorkspaceFactory(org=other, name="b-lab", full_name=""),
    ]
    switcher = sorted([tenancy.workspace, *made], key=lambda ws: (ws.org.name, ws.name))
    for current in ("", tenancy.workspace, made[2]):
        context = {"switcher": switcher, "workspace": current}
        assert workspace_switcher(switcher, current) == SWITCHER_TEMPLATE.render(Context(context))
    assert workspace_switcher([], "") == SWITCHER_TEMPLATE.render(Context({"switcher": [], "workspace": ""}))
    assert "A &lt;lab&gt; &amp; &quot;co&quot;" in workspace_switcher(switcher, "")
