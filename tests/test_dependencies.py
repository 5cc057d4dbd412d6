"""Dependencies run one way: seqera (the base) <- workspaces <- computeenvs <- pipelines.

Every import in every module of these packages (module level or inside a function) is read from
the source: a package may import itself, the base and the packages to its left, never one to its
right, and no app imports another app's views (pages or API). So there is no import cycle between
the top-level packages, and a new app (pipelines) builds on the others without them knowing it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("seqera", "workspaces", "computeenvs", "pipelines")
RANK = {name: rank for rank, name in enumerate(ORDER)}


def imported_modules(source: str) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return modules


def violations(package: str, source: str) -> list[str]:
    found = []
    for module in imported_modules(source):
        top = module.split(".")[0]
        if top not in RANK or top == package:
            continue
        if RANK[top] > RANK[package]:
            found.append(f"{package} imports {module}, which depends on it ({' <- '.join(ORDER)})")
        elif top != "seqera" and "views" in module.split(".")[1:]:  # the base's views are there to be used
            found.append(f"{package} imports another app's views: {module}")
    return found


def test_a_reverse_import_or_another_apps_views_is_refused():
    assert violations("seqera", "def f():\n    from workspaces.models import Workspace\n")
    assert violations("workspaces", "import computeenvs.models")
    assert violations("computeenvs", "from workspaces.views import WorkspaceDetailView")
    assert violations("pipelines", "from computeenvs.api.views import ComputeEnvViewSet")
    assert violations("pipelines", "from computeenvs import views")
    assert not violations("pipelines", "from computeenvs.models import ComputeEnv\nfrom seqera.views import generic")
    assert not violations("computeenvs", "from workspaces.tenancy import WorkspacePage")


@pytest.mark.parametrize("package", ORDER)
def test_package_imports_only_to_its_left(package):
    problems = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for problem in violations(package, path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)
