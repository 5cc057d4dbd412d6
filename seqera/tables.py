"""Table base of every list page (django-tables2): Bootstrap 5 responsive markup, 25 rows a page,
and `actions(template)` for a row's buttons (a template that asks the permission map)."""

import django_tables2 as tables
from django.utils.html import format_html


class BaseTable(tables.Table):
    class Meta:
        template_name = "django_tables2/bootstrap5-responsive.html"
        attrs = {"class": "table table-hover align-middle"}
        per_page = 25
        empty_text = "Nothing here yet."


def actions(template: str) -> tables.TemplateColumn:
    return tables.TemplateColumn(
        template_name=template,
        verbose_name=format_html(
            '<span class="visually-hidden">{}</span>', "Actions"
        ),  # a header screen readers can name
        orderable=False,
        attrs={"td": {"class": "text-end text-nowrap"}},
    )
