"""The frame every page shares: a favicon, a user menu that is not the operators' admin, and API
docs that lead back to the product."""

import pytest


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
