"""Datasette plugin: a filtered table page reads a bounded number of rows.

Datasette counts, and facets, every row a filtered page matches (`facts?key=…`,
`sections?_search=公开`): 1.4-2.6 s a page at 10M facts. Here, on a table page of the
harvester database, with the bounds of the plugin config `harvester` of
datasette_metadata.yaml, `filtered_rows` (1,000: milliseconds through an index) and
`faceted_rows` (200: each facet reads the matching rows again):
- the count reads at most filtered_rows + 1 matching rows; when more match, the page says
  "more than 1,000 rows" and its JSON `filtered_table_rows_count` is 1,001;
- its facets are counted (harvester.db.counted_facets) only when at most faceted_rows
  rows match, else the page lists them as not counted ("These facets timed out");
- a Chinese search (harvester.db.datasette_plugin) reads at most filtered_rows matching
  sections from the search index, and says so when more match (a CSV export reads them all).
An unfiltered page keeps its exact counts (counted_facets). SQL typed by a user, canned
queries and row pages are not touched.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from datasette import hookimpl
from datasette.database import Database

DATABASE = "harvester"
# The count Datasette's table view runs for a filtered page (views/table.py: count_sql).
FILTERED_COUNT = re.compile(r"select count\(\*\) (?P<rows>from \S+ where .*)", re.DOTALL)
TABLE_PAGE = re.compile(rf"/{DATABASE}/[^/]+?(\.json|\.csv)?")
_TABLE_PAGE: ContextVar[bool] = ContextVar("table_page", default=False)
_MORE_THAN: ContextVar[int | None] = ContextVar("more_than", default=None)


def bound(datasette, name: str = "filtered_rows") -> int:
    """`filtered_rows` or `faceted_rows`, as the metadata's plugin config `harvester` sets it."""
    return int(datasette.plugin_config(DATABASE)[name])


class MoreThan(int):
    """A bounded count (the bound + 1) that reads "more than <bound>" in a template."""

    def __format__(self, spec: str) -> str:
        return f"more than {format(int(self) - 1, spec)}"


class BoundedCountDatabase(Database):
    """The harvester database, whose filtered table pages count at most filtered_rows + 1 rows."""

    async def execute(self, sql, params=None, **kwargs):
        found = FILTERED_COUNT.fullmatch(sql.strip()) if _TABLE_PAGE.get() else None
        if found is None:
            return await super().execute(sql, params, **kwargs)
        limit = bound(self.ds)
        results = await super().execute(
            f"select count(*) from (select 1 {found['rows']} limit {limit + 1})", params, **kwargs)
        if results.rows[0][0] > limit:
            _MORE_THAN.set(limit + 1)
        return results


@hookimpl
def startup(datasette):
    database = datasette.databases.get(DATABASE)
    if database is None or isinstance(database, BoundedCountDatabase):
        return
    datasette.remove_database(DATABASE)
    datasette.add_database(BoundedCountDatabase(datasette, path=database.path,
                                                is_mutable=database.is_mutable), name=DATABASE)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def mark_table_pages(scope, receive, send):
            if scope["type"] == "http":
                _TABLE_PAGE.set(bool(TABLE_PAGE.fullmatch(scope["path"])))
                _MORE_THAN.set(None)
            await app(scope, receive, send)
        return mark_table_pages
    return wrap


@hookimpl
def extra_template_vars(view_name, database):
    if view_name == "table" and database == DATABASE and (more_than := _MORE_THAN.get()):
        return {"filtered_table_rows_count": MoreThan(more_than)}
    return None
