"""Datasette plugin for the harvester archive: Chinese search, links to archived files.

- `?_zh=复议` (or Datasette's own search box, `?_search=`) on the `sections` and `reports`
  tables keeps only rows whose text contains the query (exactly what a substring scan finds, see harvester/db/search.py); facets,
  JSON and CSV keep working because it is an ordinary filter. It reads at most
  `filtered_rows` matching sections (harvester.db.bounded_counts) and says so when more match;
  a CSV export reads every one.
- SQL functions `zh_match(query)` (the FTS5 expression) and `zh_snippet(text, query)`
  for the canned `search` query.
- `/-/blob/<sha256>` serves one archived file read-only, found only by its digest (no
  path ever comes from the request), sandboxed so archived pages cannot run scripts here.
  sha256 cells link to that route.
- `/-/cell?report=<id>&key=<key>` shows where a fact was printed (harvester.db.cell_pictures):
  the PDF page or picture with the cell's box drawn, or the archived HTML page with it marked.
- `/-/warc/<document id>` serves the WARC record the document's bytes were archived in.
- The page of a report (`/harvester/reports/<id>`) shows its headline figures, facts with
  their codebook labels, checks, sections and files (harvester.db.report_page).
- The column descriptions above a table fold into a <details> (the wide views describe
  190 columns, which would push the rows off the screen).
- Any method but GET/HEAD is refused with 405 before it reaches Datasette (0.65 answers
  a POST to a table with a 500).
- The charts (datasette-dashboards, on the home page) fetch their data as SQL: with SQL
  off, a request may run SQL only when it asks for exactly the query of a declared chart
  (or is a dashboard page).
- /-/databases and /-/threads are not served (they show the database's and Python's paths);
  the SQL functions read bounded input (search.MAX_QUERY_CHARS, MAX_TEXT_CHARS), since
  Datasette's SQL time limit cannot stop Python code; an oversized `?_zh=` is a 400.
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import parse_qs

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import urlsafe_components
from datasette.utils.asgi import BadRequest, Response
from markupsafe import Markup, escape
from warcio.exceptions import ArchiveLoadFailed

from harvester.archive.store import BlobStore, InvalidDigest
from harvester.archive.warc import record_bytes
from harvester.config import Layout
from harvester.db import cell_pictures, report_page, search
from harvester.db.bounded_counts import bound

DATABASE = "harvester"
# The first :zh_limit matching sections in the index's order, read lazily (no count of every hit).
SECTIONS_MATCHING = (f"SELECT rowid FROM {search.FTS_TABLE}"
                     f" WHERE {search.FTS_TABLE} MATCH :zh_match ORDER BY rowid LIMIT :zh_limit")
ZH_FILTERS = {
    "sections": f"rowid IN ({SECTIONS_MATCHING})",
    "reports": f"id IN (SELECT report_id FROM sections WHERE rowid IN ({SECTIONS_MATCHING}))",
}
SHA256_COLUMNS = {("documents", "sha256"), ("reports", "source_sha256")}


@hookimpl
def prepare_connection(conn):
    conn.create_function("zh_match", 1, search.match_expression, deterministic=True)
    conn.create_function("zh_snippet", 2, _snippet, deterministic=True)


def _snippet(text: str | None, query: str | None) -> str | None:
    return None if text is None else search.snippet(text, query or "")


SEARCH_PARAMETERS = ("_zh", "_search")  # ours, and Datasette's own search box


@hookimpl
def filters_from_request(request, database, table, datasette):
    if database != DATABASE or table not in ZH_FILTERS:
        return None
    query = next((q for p in SEARCH_PARAMETERS if (q := request.args.get(p, "").strip())), "")
    # Datasette finds no FTS table of its own for these tables: the box is shown from here.
    box = {"supports_search": True, "search": request.args.get("_search", "")}
    if not query:
        return FilterArguments([], extra_context=box)
    if len(query) > search.MAX_QUERY_CHARS:
        raise BadRequest(str(search.QueryTooLong()))

    async def bounded_search():
        """At most filtered_rows matching sections, and a description saying when more match; a CSV
        export reads them all (an analyst's file must not lose rows to a page's bound)."""
        limit, expression = bound(datasette), search.match_expression(query)
        described = f'text contains "{query}"'
        if request.path.endswith(".csv"):
            limit = -1  # SQLite: no limit
        elif await _more_sections_than(datasette.get_database(DATABASE), expression, limit):
            described += f" in the first {limit:,} matching sections (more match: the search query reads them all)"
        return FilterArguments([ZH_FILTERS[table]], {"zh_match": expression, "zh_limit": limit},
                               [described], extra_context=box)
    return bounded_search


async def _more_sections_than(db, expression: str, limit: int) -> bool:
    """True when more than `limit` sections match (reads at most limit + 1 of the index)."""
    (found,) = (await db.execute(f"SELECT count(*) FROM ({SECTIONS_MATCHING})",
                                 {"zh_match": expression, "zh_limit": limit + 1})).first()
    return found > limit


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    if view_name != "row" or database != DATABASE or table != "reports":
        return None

    async def report():
        [report_id] = urlsafe_components(request.url_vars["pks"])
        return {"report_page": await report_page.context(datasette.get_database(DATABASE), report_id)}
    return report


@hookimpl
def render_cell(value, column, table, database):
    if database == DATABASE and (table, column) in SHA256_COLUMNS and value:
        return Markup(f'<a href="/-/blob/{escape(value)}">{escape(value[:12])}…</a>')
    return None


READ_METHODS = {"GET", "HEAD"}
# Introspection pages that show server paths (the database file, Python's own files in task reprs).
HIDDEN_PAGES = {"/-/databases.json", "/-/databases", "/-/threads.json", "/-/threads"}
FOLD_DESCRIPTIONS_JS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (list) {
  var details = document.createElement("details");
  var summary = document.createElement("summary");
  summary.textContent = "Column descriptions (" + list.querySelectorAll("dt").length + ")";
  list.parentNode.insertBefore(details, list);
  details.appendChild(summary);
  details.appendChild(list);
});
"""


@hookimpl
def extra_body_script(template):
    return FOLD_DESCRIPTIONS_JS if template == "table.html" else None


DASHBOARDS = "datasette-dashboards"
_CHART_REQUEST: ContextVar[bool] = ContextVar("chart_request", default=False)


def chart_queries(datasette) -> set[str]:
    """The SQL of every declared chart: the only SQL the charts may run when SQL is off."""
    config = datasette.plugin_config(DASHBOARDS) or {}
    return {chart["query"] for dashboard in config.values()
            for chart in (dashboard.get("charts") or {}).values() if chart.get("query")}


def _is_chart_request(scope, datasette) -> bool:
    """A dashboard page, or the data request of one declared chart (its exact SQL)."""
    if scope["path"].startswith("/-/dashboards/"):
        return True
    if scope["path"] != f"/{DATABASE}.json":
        return False
    sql = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace")).get("sql", [])
    return len(sql) == 1 and sql[0] in chart_queries(datasette)


@hookimpl(trylast=True)  # called last, so its answer is the one Datasette keeps
def permission_allowed(action):
    if action == "execute-sql" and _CHART_REQUEST.get():
        return True
    return None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in READ_METHODS:
                response = Response.text("read-only archive", status=405,
                                         headers={"Allow": "GET, HEAD"})
                await response.asgi_send(send)
                return
            if scope["type"] == "http" and scope["path"] in HIDDEN_PAGES:
                await Response.text("not served", status=404).asgi_send(send)
                return
            if scope["type"] == "http":
                _CHART_REQUEST.set(_is_chart_request(scope, datasette))
            await app(scope, receive, send)
        return read_only
    return wrap


@hookimpl
def register_routes():
    return [(r"^/-/blob/(?P<sha256>[^/]+)$", serve_blob), (r"^/-/cell$", serve_cell),
            (r"^/-/warc/(?P<document>[0-9a-f]{16})$", serve_warc_record)]


async def serve_warc_record(datasette, request):
    """The WARC record a document's bytes were archived in (its response, as one .warc.gz)."""
    db = datasette.get_database(DATABASE)
    found = (await db.execute("SELECT warc_file, warc_offset FROM documents WHERE id = ?",
                              [request.url_vars["document"]])).first()
    if found is None or not found["warc_file"] or Path(found["warc_file"]).name != found["warc_file"]:
        return Response.text("no WARC record for this document", status=404)
    path = Layout(Path(db.path).parent).warc / found["warc_file"]
    try:
        record = await asyncio.to_thread(record_bytes, path, found["warc_offset"] or 0)
    except (OSError, ValueError, ArchiveLoadFailed) as error:
        return Response.text(f"the WARC record cannot be read: {error}", status=404)
    disposition = f'attachment; filename="{request.url_vars["document"]}.warc.gz"'
    return Response(record, headers={**FOREIGN_CONTENT, "Content-Disposition": disposition},
                    content_type="application/warc")


# Archived pages are foreign content: no scripts, no same-origin access.
FOREIGN_CONTENT = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}
CELL_SQL = """
SELECT f.source_cell, r.carrier, r.source_sha256 FROM facts f JOIN reports r ON r.id = f.report_id
WHERE f.report_id = ? AND f.key = ?
"""


async def serve_cell(datasette, request):
    """Where one fact (`?report=<id>&key=<key>`) was printed, drawn from the archived bytes."""
    db = datasette.get_database(DATABASE)
    found = (await db.execute(CELL_SQL, [request.args.get("report", ""),
                                         request.args.get("key", "")])).first()
    if found is None:
        return Response.text("no such fact", status=404)
    where = json.loads(found["source_cell"] or "{}")
    carrier, sha256 = found["carrier"], found["source_sha256"]
    if where.get("image_sha256"):  # a 图片版 page: the cell was read from one of its pictures
        carrier, sha256 = "image", where["image_sha256"]
    store = BlobStore(Path(db.path).parent)
    try:
        data = store.read(sha256)
        body, content_type = await asyncio.to_thread(cell_pictures.show, carrier, data, where)
    except (OSError, InvalidDigest) as error:
        return Response.text(f"the archived file cannot be read: {error}", status=404)
    except cell_pictures.NoPicture as error:
        return Response.text(f"{error}; the archived file: /-/blob/{sha256}", status=404)
    return Response(body, headers=FOREIGN_CONTENT, content_type=content_type)


async def serve_blob(datasette, request):
    sha256 = request.url_vars["sha256"]
    db = datasette.get_database(DATABASE)
    store = BlobStore(Path(db.path).parent)
    try:
        path = store.path(sha256)
    except InvalidDigest:
        return Response.text("not a sha256 digest", status=400)
    if not path.is_file():
        return Response.text("no archived file with this sha256", status=404)
    row = (await db.execute(
        "SELECT content_type FROM documents WHERE sha256 = ? AND content_type IS NOT NULL"
        " ORDER BY id LIMIT 1", [sha256])).first()
    content_type = row[0] if row else "application/octet-stream"
    headers = {**FOREIGN_CONTENT, "Content-Disposition": f'inline; filename="{sha256}"'}
    return Response(path.read_bytes(), headers=headers, content_type=content_type)
