"""Table base of every list page (django-tables2): Bootstrap 5 responsive markup whose rows render
in Python (`BaseTable.tbody`), 25 rows a page, and `actions(template)` for a row's buttons (a template
that asks the permission map)."""

import re

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.template import Context, Template
from django.template.base import render_value_in_context
from django.template.defaultfilters import date
from django.template.loader import get_template
from django.templatetags import l10n
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.utils import signature


class BaseTable(tables.Table):
    """Every list table. Rows render in Python (`tbody`), the same HTML as django-tables2's
    bootstrap5 template gives, cell for cell (tests/test_tables.py compares the two), at a
    fraction of its cost: a column's render method and its argument names are resolved once
    per table instead of once per cell, static `<td>` attributes are built once per column, and
    date columns format in Python (`_date_cell`) and other template columns compile their template
    once per table and render within the page's context, instead of compiling per cell or making a
    fresh RequestContext per cell (which ran every context processor again, for every cell)."""

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "table table-hover align-middle"}
        per_page = 25
        empty_text = "Nothing here yet."

    def tbody(self) -> SafeString:
        columns = list(self.columns)
        plans = [(column, _static_td(self, column), _cell_function(self, column)) for column in columns]
        context = getattr(self, "context", None) or Context()
        rows = []
        for row in self.paginated_rows:
            cells = []
            for column, td, cell in plans:
                value = cell(row)
                column.current_value, column.current_record = value, row.record  # as BoundRow.items()
                attrs = td if td is not None else column.attrs["td"].as_html()
                cells.append(f"<td {attrs}>{_display(column, value, context)}</td>")
            rows.append(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")
        if not rows and self.empty_text:
            rows.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text))
        return mark_safe("".join(rows))  # noqa: S308 - every piece above is escaped or already safe


def _static_td(table, column) -> str | None:
    """The `<td>` attributes of every cell of `column`, or None when they depend on the cell."""
    sources = (table.attrs, column.column.attrs)
    for attrs in sources:
        for key in ("td", "cell"):
            if any(callable(value) for value in (attrs.get(key) or {}).values()):
                return None
    column.current_value = column.current_record = None
    return column.attrs["td"].as_html()


def _display(column, value, context) -> str:
    """`{{ cell }}` (or `{{ cell|localize }}` / `|unlocalize`) as the stock template writes it."""
    if column.localize is not None:
        value = l10n.localize(value) if column.localize else l10n.unlocalize(value)
    return render_value_in_context(value, context)


def _cell_function(table, bound_column):
    """`BoundRow.get_cell(name)` for one column, with its render function's arguments resolved once."""
    column = bound_column.column
    render = bound_column.render
    if isinstance(column, tables.TemplateColumn) and getattr(render, "__func__", None) is type(column).render:
        render = _date_cell(table, column) or _template_cell(table, column, render)
    arguments, catch_all = signature(render)

    def cell(bound_row):
        def call(_, value=None):
            kwargs = bound_row._optional_cell_arguments(bound_column, value)
            if catch_all:
                content = render(**kwargs)
            elif all(name in kwargs for name in arguments):
                content = render(**{name: kwargs[name] for name in arguments})
            else:
                content = None
            return bound_column.link(content, **kwargs) if bound_column.link else content

        if value_of is None or type(bound_row.record) is not model:
            return bound_row._get_and_render_with(bound_column, render_func=call, default=bound_column.default)
        value = value_of(bound_row.record)
        return bound_column.default if value in column.empty_values else call(bound_column, value)

    model = table._meta.model
    value_of = _field_value(model, bound_column)
    return cell


def _field_value(model, bound_column):
    """For a column that shows a concrete field of the table's model, the cell's value as
    `BoundRow._get_and_render_with` finds it (`get_FOO_display()` for a field with choices, else
    the attribute; None when reading it fails), without resolving the accessor and the field for
    every cell; None for any other column (the cell then takes django-tables2's own path)."""
    column, name = bound_column.column, str(bound_column.accessor)
    if model is None or "__" in name or "." in name or isinstance(column, tables.ManyToManyColumn | BaseLinkColumn):
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not getattr(field, "concrete", False) or field.many_to_many:
        return None
    if getattr(field, "choices", ()):
        display = f"get_{name}_display"
        return lambda record: getattr(record, display)()

    def read(record):
        try:
            return getattr(record, name)
        except Exception:  # noqa: BLE001 - as django-tables2: an unreadable value is an empty cell
            return None

    return read


_DATE_TEMPLATE = re.compile(r'\{\{ value\|date:"([^"]*)"\|default:default \}\}')


def _date_cell(table, column):
    """A DateTimeColumn's cell, ``{{ value|date:"<format>"|default:default }}``, in Python: the
    value in the current time zone, formatted by the `date` filter, else the column's default,
    escaped as ``{{ }}`` escapes. None for any other template column."""
    match = _DATE_TEMPLATE.fullmatch(column.template_code or "")
    if not isinstance(column, tables.DateTimeColumn) or match is None or column.extra_context:
        return None
    context = getattr(table, "context", None) or Context()
    fmt = match.group(1)

    def render(value, bound_column):
        return render_value_in_context(date(template_localtime(value), fmt) or bound_column.default, context)

    return render


def _template_cell(table, column, fallback):
    """A template column's cell (DateTimeColumn is one too) rendered within the page's context
    (`table.context`, which `{% render_table %}` sets), its template compiled once per table
    instead of once per cell (`template_code`) or looked up with a fresh RequestContext per cell
    (`template_name`)."""
    parent = getattr(table, "context", None)
    if parent is None or parent.template is None:
        return fallback
    template = Template(column.template_code) if column.template_code else get_template(column.template_name).template

    def render(record, table, value, bound_column, **kwargs):
        extra = column.get_context_data(record=record, table=table, value=value, bound_column=bound_column, **kwargs)
        with parent.update(extra):
            if column.template_code:
                parent["request"] = getattr(table, "request", None)
            return template.render(parent)

    return render


def actions(template: str) -> tables.TemplateColumn:
    return tables.TemplateColumn(
        template_name=template,
        verbose_name=format_html(
            '<span class="visually-hidden">{}</span>', "Actions"
        ),  # a header screen readers can name
        orderable=False,
        attrs={"td": {"class": "text-end text-nowrap"}},
    )
