"""Table base of every list page (django-tables2): Bootstrap 5 responsive markup whose header, rows
and pagination render in Python (`BaseTable.thead`, `.tbody`, `.pagination`), 25 rows a page, and
`actions(template)` for a row's buttons (a template that asks the permission map, or without one
the table's ``render_<column>`` method)."""

import functools
import html
import operator
import re
from collections.abc import Callable
from typing import Any

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.template import Context, Template
from django.template.base import render_value_in_context
from django.template.loader import get_template
from django.templatetags import l10n
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.templatetags.django_tables2 import table_page_range
from django_tables2.utils import AttributeDict, signature

from seqera.formats import choice_display, date_filter


class BaseTable(tables.Table):
    """Every list table. Rows render in Python (`tbody`; the header and the pagination too), the
    same HTML as django-tables2's bootstrap5 template gives, cell for cell (tests/test_tables.py
    compares the two), at a fraction of its cost: a column's render method and its argument names
    are resolved once per table instead of once per cell, static `<td>` attributes are built once
    per column, and date columns format in Python (`_date_cell`) and other template columns
    compile their template once per table and render within the page's context, instead of
    compiling per cell or making a fresh RequestContext per cell (which ran every context
    processor again, for every cell)."""

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "table table-hover align-middle"}
        per_page = 25
        empty_text = "Nothing here yet."

    def tbody(self) -> SafeString:
        columns = list(self.columns)
        context = getattr(self, "context", None) or Context()
        cells = [_cell_html(self, column, context) for column in columns]
        row_attrs = _static_row_attrs(self)
        rows = []
        for row in self.paginated_rows:
            attrs = row_attrs[row.row_counter % 2] if row_attrs else row.attrs.as_html()
            rows.append(f"<tr {attrs}>{''.join([cell(row) for cell in cells])}</tr>")
        if not rows and self.empty_text:
            rows.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text))
        return mark_safe("".join(rows))  # noqa: S308 - every piece above is escaped or already safe

    def thead(self) -> SafeString:
        """The stock template's header block, written in Python: each orderable column's heading
        links to the request's query string with the ordering replaced (``{% querystring_replace %}``),
        whitespace aside (tests/test_tables.py compares them)."""
        if not self.show_header:
            return mark_safe("")
        query, field = dict(_request(self).GET), self.prefixed_order_by_field
        cells = []
        for column in self.columns:
            header = conditional_escape(column.header)
            if column.orderable:
                href = escape("?" + urlencode({**query, field: column.order_by_alias.next}, doseq=True))
                header = f'<a href="{href}">{header}</a>'
            cells.append(f'<th {column.attrs["th"].as_html()} scope="col">\n{header}\n</th>')
        thead = self.attrs.get("thead")
        attrs = thead.as_html() if isinstance(thead, AttributeDict) else ""
        return mark_safe(f"<thead {attrs}>\n<tr>\n{''.join(cells)}\n</tr>\n</thead>")  # noqa: S308 - escaped above

    def pagination(self) -> SafeString:
        """The stock template's pagination block, written in Python: the same links (the request's
        query string with the page replaced, ``{% querystring_replace %}``) and page range
        (`table_page_range`), whitespace aside (tests/test_tables.py compares them)."""
        page, paginator = getattr(self, "page", None), getattr(self, "paginator", None)
        if not page or paginator is None or paginator.num_pages <= 1:
            return mark_safe("")
        query, field = dict(_request(self).GET), self.prefixed_page_field

        def href(number) -> str:
            return escape("?" + urlencode({**query, field: number}, doseq=True))

        parts = ['<nav aria-label="Table navigation">\n<ul class="pagination justify-content-center">']
        if page.has_previous():
            parts.append(
                f'\n<li class="previous page-item">\n<a href="{href(page.previous_page_number())}" class="page-link">'
                f'\n<span aria-hidden="true">&laquo;</span>\n{escape(gettext("previous"))}\n</a>\n</li>'
            )
        if page.has_previous() or page.has_next():
            for number in table_page_range(page, paginator):
                active = " active" if page.number == number else ""
                link = f'href="{href(number)}"' if number != "..." else ""
                parts.append(
                    f'\n<li class="page-item{active}">\n<a class="page-link" {link}>\n{escape(localize(number))}\n</a>\n</li>'
                )
        if page.has_next():
            parts.append(
                f'\n<li class="next page-item">\n<a href="{href(page.next_page_number())}" class="page-link">'
                f'\n{escape(gettext("next"))}\n<span aria-hidden="true">&raquo;</span>\n</a>\n</li>'
            )
        parts.append("\n</ul>\n</nav>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _request(table):
    """The request the page renders for (the template context's, as the stock template tags read it)."""
    context = getattr(table, "context", None)
    return context["request"] if context is not None and "request" in context else table.request


def _static_row_attrs(table) -> tuple[str, str] | None:
    """The `<tr>` attributes of even and odd rows (`BoundRow.attrs`), or None when `row_attrs`
    computes them per row."""
    if any(callable(value) or isinstance(value, dict) for value in table.row_attrs.values()):
        return None
    found = []
    for parity in ("even", "odd"):
        attrs = dict(table.row_attrs)
        attrs["class"] = f"{attrs['class']} {parity}" if attrs.get("class") else parity
        found.append(AttributeDict(attrs).as_html())
    return found[0], found[1]


def _cell_html(table, bound_column, context) -> Callable[[Any], str]:
    """One column's ``<td …>…</td>`` for a row, as the stock template writes it."""
    content = _cell_function(table, bound_column)
    show = _displayer(bound_column, context)
    td = _static_td(table, bound_column)
    if td is not None:
        opening = f"<td {td}>"
        return lambda row: f"{opening}{show(content(row))}</td>"

    def dynamic(row):
        value = content(row)
        bound_column.current_value, bound_column.current_record = value, row.record  # as BoundRow.items()
        return f"<td {bound_column.attrs['td'].as_html()}>{show(value)}</td>"

    return dynamic


def _static_td(table, column) -> str | None:
    """The `<td>` attributes of every cell of `column`, or None when they depend on the cell."""
    sources = (table.attrs, column.column.attrs)
    for attrs in sources:
        for key in ("td", "cell"):
            if any(callable(value) for value in (attrs.get(key) or {}).values()):
                return None
    column.current_value = column.current_record = None
    return column.attrs["td"].as_html()


def _displayer(bound_column, context) -> Callable[[Any], str]:
    """`{{ cell }}` (or `{{ cell|localize }}` / `|unlocalize`) as the stock template writes it; a
    string is escaped and safe text passed through directly, as `render_value_in_context` would."""
    if bound_column.localize is not None or not context.autoescape:
        return lambda value: _display(bound_column, value, context)

    def show(value):
        kind = type(value)
        if kind is SafeString:
            return value
        if kind is str:
            return html.escape(value)
        return render_value_in_context(value, context)

    return show


def _display(column, value, context) -> str:
    if column.localize is not None:
        value = l10n.localize(value) if column.localize else l10n.unlocalize(value)
    return render_value_in_context(value, context)


_CELL_ARGUMENTS = {
    "value": lambda bound_column, row, value: value,
    "record": lambda bound_column, row, value: row.record,
    "column": lambda bound_column, row, value: bound_column.column,
    "bound_column": lambda bound_column, row, value: bound_column,
    "bound_row": lambda bound_column, row, value: row,
    "table": lambda bound_column, row, value: row.table,
}


def _cell_function(table, bound_column) -> Callable[[Any], Any]:
    """`BoundRow.get_cell(name)` for one column: its render function, the arguments that function
    takes and the way to read the value are resolved once per table instead of once per cell."""
    column = bound_column.column
    render = bound_column.render
    if isinstance(column, tables.TemplateColumn) and getattr(render, "__func__", None) is type(column).render:
        render = _date_cell(table, column) or _template_cell(table, column, render)
    arguments, catch_all = _signature(render)
    link, default, empty = bound_column.link, bound_column.default, column.empty_values
    takes = None if catch_all or link else [(name, _CELL_ARGUMENTS.get(name)) for name in arguments]

    def call(row, value=None):
        if takes is None:
            kwargs = row._optional_cell_arguments(bound_column, value)
            content = render(**kwargs) if catch_all or all(name in kwargs for name in arguments) else None
            return link(content, **kwargs) if link else content
        if any(get is None for _, get in takes):
            return None  # a render argument django-tables2 does not offer: it renders nothing either
        return render(**{name: get(bound_column, row, value) for name, get in takes})

    def slow(row):
        return row._get_and_render_with(
            bound_column, render_func=lambda _, value=None: call(row, value), default=default
        )

    model = table._meta.model
    found = _value_reader(model, bound_column)
    if found is None:
        return slow
    read, field = found
    stock = getattr(render, "__func__", None)
    if stock is tables.Column.render and not link:
        shown = None  # the cell is the value
    elif stock is tables.BooleanColumn.render and not link and field is not None and not field.choices:
        # Its output depends only on bool(value) when the field has no choices: render each once.
        answers = {flag: render(value=flag, record=None, bound_column=bound_column) for flag in (False, True)}

        def shown(row, value):
            return answers[bool(value)]
    else:
        shown = call

    def cell(row):
        record = row.record
        if type(record) is not model:
            return slow(row)
        value = read(record)
        if value in empty:
            return default
        return value if shown is None else shown(row, value)

    return cell


def _signature(render) -> tuple[tuple[str, ...], str | None]:
    """django-tables2's `signature(render)`, kept per function for a bound method (the render
    methods of tables and columns: `inspect.signature` costs about 20 µs a call)."""
    function = getattr(render, "__func__", None)
    return signature(render) if function is None else _method_signature(function)


@functools.cache
def _method_signature(function) -> tuple[tuple[str, ...], str | None]:
    arguments, catch_all = signature(function)
    return arguments[1:], catch_all  # a bound method's signature has no self (or cls)


def _value_reader(model, bound_column) -> tuple[Callable[[Any], Any], Any] | None:
    """For a column whose accessor is a field of the table's model, a field across forward
    foreign keys (``credentials__name``) or a plain attribute of the row (an annotation): a
    function giving the cell's value as `BoundRow._get_and_render_with` finds it
    (``get_FOO_display()`` for a field with choices, None across a null key or when reading fails,
    an attribute's callable called as the accessor calls it), and the field (None for an
    attribute). None for any other column (the cell then takes django-tables2's own path)."""
    column, path = bound_column.column, str(bound_column.accessor)
    if model is None or "." in path or isinstance(column, tables.ManyToManyColumn | BaseLinkColumn):
        return None
    *links, name = path.split("__")
    owner = model
    for link in links:
        try:
            field = owner._meta.get_field(link)
        except FieldDoesNotExist:
            return None
        if not field.concrete or not (field.many_to_one or field.one_to_one):
            return None
        owner = field.related_model
    try:
        field = owner._meta.get_field(name)
    except FieldDoesNotExist:
        return None if links else (_attribute_reader(name), None)
    if not getattr(field, "concrete", False) or field.many_to_many:
        return None
    value_of = choice_display(owner, field) if getattr(field, "choices", ()) else operator.attrgetter(name)

    def read(record):
        try:
            for link in links:
                record = getattr(record, link)
                if record is None:
                    return None
            return value_of(record)
        except Exception:  # noqa: BLE001 - as django-tables2: an unreadable value is an empty cell
            return None

    return read, field


def _attribute_reader(name: str) -> Callable[[Any], Any]:
    """`Accessor(name).resolve(record)` for an attribute that is not a model field."""

    def read(record):
        try:
            value = getattr(record, name)
            if callable(value) and not getattr(value, "do_not_call_in_templates", False):
                if getattr(value, "alters_data", False):
                    return None  # the accessor refuses, and the cell stays empty
                value = value()
            return value
        except Exception:  # noqa: BLE001 - as django-tables2: an unreadable value is an empty cell
            return None

    return read


_DATE_TEMPLATE = re.compile(r'\{\{ value\|date:"([^"]*)"\|default:default \}\}')


def _date_cell(table, column):
    """A DateTimeColumn's cell, ``{{ value|date:"<format>"|default:default }}``, in Python: the
    value in the current time zone, formatted by the `date` filter (`seqera.formats.date_filter`),
    else the column's default, escaped as ``{{ }}`` escapes. None for any other template column."""
    match = _DATE_TEMPLATE.fullmatch(column.template_code or "")
    if not isinstance(column, tables.DateTimeColumn) or match is None or column.extra_context:
        return None
    context = getattr(table, "context", None) or Context()
    fmt = match.group(1)
    write = date_filter(fmt)

    def render(value, bound_column):
        return render_value_in_context(write(template_localtime(value)) or bound_column.default, context)

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


def actions(template: str | None = None) -> tables.Column:
    """A row's buttons: `template` (which asks the permission map), or, without one, the table's
    ``render_<column>(record)`` method, for buttons written in Python."""
    options = {
        "verbose_name": format_html(
            '<span class="visually-hidden">{}</span>', "Actions"
        ),  # a header screen readers can name
        "orderable": False,
        "attrs": {"td": {"class": "text-end text-nowrap"}},
    }
    if template is None:
        return tables.Column(empty_values=(), **options)
    return tables.TemplateColumn(template_name=template, **options)
