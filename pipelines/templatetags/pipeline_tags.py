from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from pipelines.models import RunStatus

register = template.Library()
_SPINNER = mark_safe('<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>')  # noqa: S308


@register.simple_tag
def run_badge(run, big: bool = False) -> SafeString:
    """A run's status badge (colour from `RunStatus`), with an id the list's live poll replaces."""
    status = RunStatus(run.status)
    return format_html(
        '<span id="run-badge-{}" class="badge run-badge{} {}" title="{}">{}{}</span>',
        run.pk,
        " fs-6" if big else "",
        status.colour,
        run.batch_status and f"AWS Batch: {run.batch_status}" or status.label,
        _SPINNER if run.is_active else "",
        status.value,
    )


@register.filter
def duration(ms) -> str:
    """Milliseconds as ``1h 02m 03s``."""
    if ms in (None, ""):
        return ""
    seconds = int(ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {seconds:02d}s"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"
