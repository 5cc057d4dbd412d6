"""Live status blocks poll only while something is pending, back off from 2 s to 30 s, say they
are background polls (so they never extend the session), and stop when the work is done."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from seqera.views.live import next_poll


@pytest.mark.parametrize(("poll", "delay"), [("", 2), ("1", 3), ("2", 4), ("5", 15), ("9", 30), ("999", 30), ("²", 2)])
def test_next_poll_backs_off(poll, delay):
    request = RequestFactory().get("/x/status/", {"poll": poll} if poll else {})
    url, seconds = next_poll(request, "/x/status/?validating=5")
    assert seconds == delay
    assert url.startswith("/x/status/?validating=5&poll=")


@pytest.mark.django_db
def test_credentials_block_polls_with_backoff_until_validated(client, tenancy):
    creds = tenancy.credentials
    creds.status = ""
    creds.save()
    client.force_login(tenancy.users["view"])
    status_url = reverse("workspaces:credentials_status", kwargs={"org": "acme", "workspace": "lab", "pk": creds.pk})
    html = client.get(status_url, {"poll": "4"}).content.decode()
    assert 'hx-trigger="load delay:10s"' in html and "poll=5" in html and "X-Background-Poll" in html
    creds.status = "AVAILABLE"
    creds.save()
    done = client.get(status_url, {"poll": "5"}).content.decode()
    assert not re.search(r"hx-trigger=", done)
