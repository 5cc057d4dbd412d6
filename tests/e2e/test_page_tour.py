"""Every page of the product, found from the URL patterns, opened by a workspace owner at desktop
(1366x900) and phone (390x844) width: no page scrolls sideways, and axe-core (run by the browser
fixture on every load) finds no violation. A screenshot of each page at each width is kept."""

import re

import pytest
from django.test import Client

from tests.tenancy.expect import fill_kwargs
from tests.tenancy.walk import iter_routes
from tests.tenancy.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !(el.parentElement && el.parentElement.closest(".table-responsive, pre")))
  .filter((el, _, all) => !all.some(other => other !== el && el.contains(other)))
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : ""))"""
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
NOT_PAGES = {"logout", "invitation_accept"}  # a sign-out action; a page for the signed-out invitee


def pages(world) -> list[tuple[str, str]]:
    """(name, path) of every route that answers the owner's GET with a full HTML page."""
    client = Client()
    client.force_login(world.users["org_owner"])
    found = []
    for route in iter_routes():
        if route.route.startswith(("admin/", "api/")) or route.name in NOT_PAGES or "get" not in route.methods:
            continue
        path = route.build(fill_kwargs(route, world))
        response = client.get(path)
        is_html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
        if is_html and b"<html" in response.content:
            found.append((route.name, path))
    return found


def test_every_page_fits_a_phone_and_passes_axe(live_server, tenancy, new_page, sign_in, shot):
    world = build_world(tenancy)
    tour = pages(world)
    assert len(tour) >= 25, [name for name, _ in tour]
    too_wide = []
    for width, viewport in WIDTHS.items():
        page = new_page(viewport)
        sign_in(page, world.users["org_owner"].username)
        for name, path in tour:
            response = page.goto(f"{live_server.url}{path}")
            assert response.ok, (path, response.status)
            page.wait_for_load_state("load")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                culprits = ", ".join(page.evaluate(WIDEST))
                too_wide.append(f"{path} scrolls sideways by {overflow}px at {width} width: {culprits}")
            shot(page, f"tour-{width}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}")
    assert not too_wide, "\n".join(too_wide)
    assert len(new_page.checked) >= 2 * len(tour)


def test_workspace_menu_collapses_at_phone_width(live_server, tenancy, new_page, sign_in):
    page = new_page(WIDTHS["phone"])
    sign_in(page, tenancy.users["org_owner"].username)
    page.goto(f"{live_server.url}/orgs/acme/workspaces/lab/")
    credentials_link = page.locator("#workspace-menu").get_by_role("link", name="Credentials")
    assert not credentials_link.is_visible()
    page.get_by_role("button", name="Workspace menu").click()
    credentials_link.click()
    page.wait_for_url("**/credentials/")
    desktop = new_page(WIDTHS["desktop"])
    sign_in(desktop, tenancy.users["org_owner"].username)
    desktop.goto(f"{live_server.url}/orgs/acme/workspaces/lab/")
    assert desktop.locator("#workspace-menu").get_by_role("link", name="Credentials").is_visible()
    assert not desktop.get_by_role("button", name="Workspace menu").is_visible()
