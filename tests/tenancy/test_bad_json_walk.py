"""Issue 14 defect 5, walked: JSON nested 100,000 deep, sent by a workspace owner to every JSON
write of the API (every API route and method with a body), is refused with a 400 before any view
code reads it, or ignored by a view that reads no body; never a server error."""

import pytest
from django.db import transaction
from django.test import Client

from tests.tenancy.expect import Unmappable, fill_kwargs, is_admin
from tests.tenancy.walk import all_routes

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def test_deep_json_on_every_api_write(world):
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {world.tokens['owner']}"})
    answers, problems = {}, []
    for route in all_routes():
        if is_admin(route) or not route.is_api:
            continue
        try:
            kwargs = fill_kwargs(route, world)
        except Unmappable:
            continue
        for method in (m for m in route.methods if m in ("post", "put", "patch")):
            url = f"{route.build(kwargs)}?workspaceId={world.workspace.id}"
            with transaction.atomic():
                response = getattr(client, method)(url, data=DEEP, content_type="application/json")
                transaction.set_rollback(True)
            answers[(method, route.name)] = response.status_code
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url}: {response.status_code}")
            elif response.status_code != 400 and "nests deeper" in response.content.decode(errors="replace"):
                problems.append(f"{method.upper()} {url}: depth error with status {response.status_code}")
    assert not problems, problems
    refused = [key for key, status in answers.items() if status == 400]
    assert len(refused) >= 5, answers  # the creates and updates all read their body
