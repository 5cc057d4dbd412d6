"""The sections of a workspace: its navigation entries and overview cards. Each app registers its
own in `AppConfig.ready()` (`register(WorkspaceSection(...))`), so the workspace pages list what
the installed apps offer without importing them (dependencies run base <- workspaces <- apps)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workspaces.models import Workspace


@dataclass(frozen=True)
class WorkspaceSection:
    key: str  # the `section` its pages declare (the active navigation entry)
    title: str
    url_name: str  # "<app>:<route>" of its first page, inside the workspace
    text: str  # the overview card's line
    count: Callable[[Workspace], int]  # what the overview card counts
    order: int  # position in the navigation and on the overview

    def url(self, workspace: Workspace) -> str:
        return workspace.url(self.url_name)


_SECTIONS: dict[str, WorkspaceSection] = {}


def register(section: WorkspaceSection) -> None:
    _SECTIONS[section.key] = section


def sections() -> list[WorkspaceSection]:
    return sorted(_SECTIONS.values(), key=lambda section: section.order)
