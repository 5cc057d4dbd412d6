"""Error pages are in the product's layout with a way back; under /api/ errors stay JSON."""

import pytest
from django.test import Client
from django.urls import path

from seqera import urls as site_urls


def boom(request):
    raise RuntimeError("an unexpected failure")


urlpatterns = [path("boom/", boom), path("api/boom/", boom), *site_urls.urlpatterns]
handler403, handler404, handler500 = site_urls.handler403, site_urls.handler404, site_urls.handler500


@pytest.mark.django_db
def test_404_page_in_layout_with_a_way_back(client, tenancy):
    client.force_login(tenancy.users["view"])
    response = client.get("/orgs/acme/workspaces/nope/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Not found" in html and 'href="/"' in html and 'aria-label="Main"' in html
    assert "view-user" in html  # the navbar knows who is signed in


@pytest.mark.django_db
def test_403_page_says_why(client, tenancy):
    client.force_login(tenancy.users["view"])
    response = client.get("/orgs/acme/edit/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html and "does not allow this" in html and 'href="/"' in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_500_page_and_api_500_json(tenancy):
    client = Client(raise_request_exception=False)
    client.force_login(tenancy.users["view"])
    page = client.get("/boom/")
    assert page.status_code == 500 and "Server error" in page.content.decode()
    assert "an unexpected failure" not in page.content.decode()
    api = client.get("/api/boom/")
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
    assert api.json() == {"message": "Something went wrong on our side; it has been logged."}


@pytest.mark.django_db
def test_api_404_stays_json(client, tenancy):
    client.force_login(tenancy.users["view"])
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404 and response.json()["message"]
