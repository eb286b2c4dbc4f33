"""Datasette plugin: table3_wide's HTML page shows the report's columns and each row's totals.

Rendering cells is most of what a Datasette page costs: table3_wide's page of 10 rows and
191 columns took 86 ms of CPU at 1M facts (a bare 100-row SQL page: 30 ms). Its HTML page
asked for without `_col` or `_nocol` shows `wide.default_columns` (35), as if they had been
chosen with `_col`; `?_columns=all` shows every column (linked from the table's description,
harvester.db.datasette); JSON and CSV of the table always hold every column.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from harvester.db.wide import NAMES, default_columns

DATABASE = "harvester"
ALL_COLUMNS = "_columns=all"  # the argument that shows every column
CHOSEN = {"_col", "_nocol", "_format", "_columns"}  # a reader's own choice, or not an HTML page
PAGES = {f"/{DATABASE}/{name}": columns for name in NAMES if (columns := default_columns(name))}


def with_default_columns(path: str, query_string: bytes) -> bytes:
    """The query string of a request, with the default columns of its page when it chose none."""
    columns = PAGES.get(path)
    arguments = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if columns is None or CHOSEN & {name for name, _ in arguments}:
        return query_string
    chosen = urlencode([("_col", column) for column in columns])
    return (query_string + b"&" if query_string else b"") + chosen.encode("ascii")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def default_columns_of_wide_pages(scope, receive, send):
            if scope["type"] == "http":
                scope = {**scope, "query_string": with_default_columns(
                    scope["path"], scope.get("query_string", b""))}
            await app(scope, receive, send)
        return default_columns_of_wide_pages
    return wrap
