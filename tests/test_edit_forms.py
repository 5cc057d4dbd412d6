"""Every edit form of the product starts from the stored values: opening it and saving it unchanged
changes nothing, and changing one field changes only that field."""

from html.parser import HTMLParser

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from computeenvs import services as ce_services
from tests.computeenvs.test_services import forge_doc

VOLATILE = {"updated", "modified", "last_modified", "updated_at"}


class _Forms(HTMLParser):
    """The POST forms of a page, each as {field name: [values a browser would submit]}."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                self._form.setdefault(name, [])
                return
            self._form.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self._form.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._form[name] = [""]

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            value = self._form[self._textarea]
            value[0] = value[0].removeprefix("\n")  # as browsers do: the newline after <textarea> is not content
            self._textarea = None


def edit_form(html: str, field: str) -> dict[str, list[str]]:
    parser = _Forms()
    parser.feed(html)
    forms = [form for form in parser.forms if field in form]
    assert len(forms) == 1, f"expected one POST form with a {field!r} field, found {len(forms)}"
    return forms[0]


def stored(obj) -> dict:
    obj.refresh_from_db()
    return {key: value for key, value in model_to_dict(obj).items() if key not in VOLATILE}


def _ce(tenancy):
    return ce_services.create_compute_env(
        workspace=tenancy.workspace,
        created_by=tenancy.users["admin"],
        name="ce-edit",
        description="Keeps its description",
        credentials=tenancy.credentials,
        config=forge_doc(),
    )


def _org(tenancy):
    tenancy.org.full_name, tenancy.org.description = "Acme Research", "An org description"
    tenancy.org.location, tenancy.org.website = "Barcelona", "https://acme.example.org"
    tenancy.org.save()
    return tenancy.org, reverse("workspaces:org_edit", kwargs={"org": tenancy.org.name})


def _workspace(tenancy):
    ws = tenancy.workspace
    ws.full_name, ws.description = "The lab", "A workspace description"
    ws.save()
    return ws, reverse("workspaces:workspace_edit", kwargs={"org": ws.org.name, "workspace": ws.name})


def _team(tenancy):
    from tests.factories import TeamFactory

    team = TeamFactory(org=tenancy.org, name="bioinf", description="A team description")
    return team, reverse("workspaces:team_edit", kwargs={"org": tenancy.org.name, "team": team.name})


def _credentials(tenancy):
    creds = tenancy.credentials
    kwargs = {"org": tenancy.org.name, "workspace": tenancy.workspace.name, "pk": creds.pk}
    return creds, reverse("workspaces:credentials_edit", kwargs=kwargs)


def _label(tenancy):
    label = tenancy.label
    kwargs = {"org": tenancy.org.name, "workspace": tenancy.workspace.name, "pk": label.pk}
    return label, reverse("workspaces:label_edit", kwargs=kwargs)


def _compute_env(tenancy):
    ce = _ce(tenancy)
    kwargs = {"org": tenancy.org.name, "workspace": tenancy.workspace.name, "pk": ce.pk}
    return ce, reverse("computeenvs:edit", kwargs=kwargs)


def _pipeline(tenancy):
    from pipelines import services as pipeline_services

    ce = _ce(tenancy)
    pipeline = pipeline_services.create_pipeline(
        workspace=tenancy.workspace, created_by=tenancy.users["admin"], name="hello", description="Keeps it",
        settings={"repository": "https://github.com/nextflow-io/hello", "revision": "master",
                  "config_profiles": ["test", "docker"], "params_text": "greeting: Hello\n", "pull_latest": True,
                  "head_job_cpus": 2, "config_text": "process.cpus = 2\n"},
        compute_env=ce, label_ids=[],
    )  # fmt: skip
    kwargs = {"org": tenancy.org.name, "workspace": tenancy.workspace.name, "pk": pipeline.pk}
    return pipeline, reverse("pipelines:edit", kwargs=kwargs)


EDIT_FORMS = {
    "organization": (_org, "full_name"),
    "workspace": (_workspace, "full_name"),
    "team": (_team, "name"),
    "credentials": (_credentials, "name"),
    "label": (_label, "name"),
    "compute environment": (_compute_env, "name"),
    "pipeline": (_pipeline, "name"),
}


def test_every_edit_route_is_covered():
    from django.urls import get_resolver

    def names(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                ns = f"{pattern.namespace}:" if pattern.namespace else ""
                yield from names(pattern, prefix + ns)
            elif pattern.name:
                yield prefix + pattern.name

    edit_routes = {name for name in names(get_resolver()) if name.endswith(("edit", "_edit")) and "admin" not in name}
    assert edit_routes == {
        "workspaces:org_edit",
        "workspaces:workspace_edit",
        "workspaces:team_edit",
        "workspaces:credentials_edit",
        "workspaces:label_edit",
        "computeenvs:edit",
        "pipelines:edit",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", EDIT_FORMS)
def test_edit_form_starts_from_the_stored_values(client, tenancy, kind):
    make, field = EDIT_FORMS[kind]
    obj, url = make(tenancy)
    client.force_login(tenancy.users["org_owner"])
    before = stored(obj)

    form = edit_form(client.get(url).content.decode(), field)
    assert form[field] == [str(before[field])], f"{kind}: {field} does not start from the stored value"
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored(obj) == before, f"{kind}: saving the form unchanged changed the object"

    form[field] = [f"{before[field]}-x"]
    assert client.post(url, form).status_code == 302
    after = stored(obj)
    assert after[field] == f"{before[field]}-x"
    assert {k: v for k, v in after.items() if k != field} == {k: v for k, v in before.items() if k != field}
