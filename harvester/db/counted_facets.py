"""Datasette plugin: a whole table's default facets and row count without reading the table.

- The served metadata declares every default facet as `counted` (a column facet) or
  `counted_array` (an array facet; harvester.db.datasette.build_metadata). On a table's
  page without filters their counts are read from `facet_counts` (kept exact at load,
  harvester/db/facet_counts.py); on a filtered page, or when the table's counts are not
  kept, they are Datasette's own column and array facets over the filtered rows, when at
  most `faceted_rows` rows match (else listed as not counted: harvester.db.bounded_counts).
  Either way they are shown, and typed in JSON, as Datasette's `column` and `array` facets.
- The row count of an unfiltered table page is Datasette's own count of every table of an
  immutable database (made once, at the first request), handed to Datasette as the
  inspect data it documents for that purpose (`datasette inspect --inspect-file`), instead
  of a `count(*)` of the whole table on every page.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.facets import ArrayFacet, ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from harvester.db import facet_counts
from harvester.db.bounded_counts import bound
from harvester.db.datasette import COUNTED_TYPES

DATABASE = "harvester"


class _Counted:
    """Mixin over Datasette's facet of the same kind: stored counts for a whole table."""

    kind = ""
    facet_argument = ""  # the query-string argument that adds this kind of facet

    async def facet_results(self):
        stored = await self.ds.get_database(self.database).execute_fn(self._stored_counts)
        if stored is None and self._too_many_rows():
            return [], [c["config"].get("column") or c["config"]["simple"] for c in self.get_configs()]
        if stored is None:
            results, timed_out = await super().facet_results()
            return [{**result, "type": self.kind} for result in results], timed_out
        size = self.get_facet_size()
        return [await self._result(source, column, rows, size)
                for source, column, rows in stored], []

    def _too_many_rows(self) -> bool:
        """True on a filtered page of more rows than faceted_rows (or of rows not counted)."""
        return self.database == DATABASE and self._filtered() and (
            self.row_count is None or self.row_count > bound(self.ds, "faceted_rows"))

    def _filtered(self) -> bool:
        return bool(self.params) or not self.sql.rstrip().endswith(f"from {escape_sqlite(self.table)}")

    def _stored_counts(self, conn):
        """(source, column, up to facet size + 1 (value, count)) of each configured facet,
        or None when the page is filtered or the table's counts are not kept."""
        if self.database != DATABASE or self._filtered() or not facet_counts.in_sync(conn, self.table):
            return None
        size = self.get_facet_size()
        configs = [(c["source"], c["config"].get("column") or c["config"]["simple"])
                   for c in self.get_configs()]
        return [(source, column, facet_counts.top(conn, self.table, self.kind, column, size + 1))
                for source, column in configs]

    async def _result(self, source, column, rows, size):
        """One facet's results in Datasette's shape (nothing is selected on a whole table)."""
        labels = await self._labels(column, [value for value, _ in rows[:size]])
        return {
            "name": column, "type": self.kind, "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {self.facet_argument: column})),
            "results": [{"value": self._shown(value),
                         "label": labels.get((column, value), self._shown(value)),
                         "count": count, "toggle_url": self._select_url(column, value),
                         "selected": False} for value, count in rows[:size]],
            "truncated": len(rows) > size,
        }


class CountedColumnFacet(_Counted, ColumnFacet):
    """A column facet (values labelled through foreign keys, as Datasette's are)."""

    type, kind, facet_argument = COUNTED_TYPES["column"], "column", "_facet"

    async def _labels(self, column, values):
        return await self.ds.expand_foreign_keys(self.database, self.table, column, values)

    def _shown(self, value):
        return value

    def _select_url(self, column, value):
        argument = f"{column}__exact" if column.startswith("_") else column
        return self.ds.absolute_url(self.request, self.ds.urls.path(
            path_with_added_args(self.request, {argument: value})))


class CountedArrayFacet(_Counted, ArrayFacet):
    """An array facet (a JSON array's elements, shown as text, as Datasette's are)."""

    type, kind, facet_argument = COUNTED_TYPES["array"], "array", "_facet_array"

    async def _labels(self, column, values):
        return {}

    def _shown(self, value):
        return str(value)

    def _select_url(self, column, value):
        return self.ds.absolute_url(self.request, path_with_added_args(
            self.request, {f"{column}__arraycontains": str(value)}))


@hookimpl
def register_facet_classes():
    return [CountedColumnFacet, CountedArrayFacet]


@hookimpl
def startup(datasette):
    async def count_tables():
        database = datasette.databases.get(DATABASE)
        if database is None or database.is_mutable or datasette.inspect_data:
            return
        counts = await database.table_counts(limit=3_600_000)  # cached by Datasette itself
        # hash None: as for a mutable database (Datasette would otherwise hash the whole
        # file, gigabytes, on the first view of the home page).
        datasette.inspect_data = {DATABASE: {
            "hash": None, "size": database.size, "file": database.path,
            "tables": {table: {"count": count} for table, count in counts.items()}}}
    return count_tables
