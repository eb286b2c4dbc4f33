"""Datasette plugin for the harvester archive: Chinese search, links to archived files.

- `?_zh=复议` (or Datasette's own search box, `?_search=`) on the `sections` and `reports`
  tables keeps only rows whose text contains the query (exactly what a substring scan finds, see harvester/db/search.py); facets,
  JSON and CSV keep working because it is an ordinary filter.
- SQL functions `zh_match(query)` (the FTS5 expression) and `zh_snippet(text, query)`
  for the canned `search` query.
- `/-/blob/<sha256>` serves one archived file read-only, found only by its digest (no
  path ever comes from the request), sandboxed so archived pages cannot run scripts here.
- sha256 cells link to that route.
- The column descriptions above a table fold into a <details> (the wide views describe
  190 columns, which would push the rows off the screen).
- Any method but GET/HEAD is refused with 405 before it reaches Datasette (0.65 answers
  a POST to a table with a 500).
- /-/databases and /-/threads are not served (they show the database's and Python's paths);
  the SQL functions read bounded input (search.MAX_QUERY_CHARS, MAX_TEXT_CHARS), since
  Datasette's SQL time limit cannot stop Python code; an oversized `?_zh=` is a 400.
"""

from __future__ import annotations

from pathlib import Path

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import BadRequest, Response
from markupsafe import Markup, escape

from harvester.archive.store import BlobStore, InvalidDigest
from harvester.db import search

DATABASE = "harvester"
SECTIONS_MATCHING = (f"SELECT rowid FROM {search.FTS_TABLE}"
                     f" WHERE {search.FTS_TABLE} MATCH :zh_match")
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
    return FilterArguments(
        [ZH_FILTERS[table]], {"zh_match": search.match_expression(query)},
        [f'text contains "{query}"'], extra_context=box)


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


@hookimpl
def asgi_wrapper():
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
            await app(scope, receive, send)
        return read_only
    return wrap


@hookimpl
def register_routes():
    return [(r"^/-/blob/(?P<sha256>[^/]+)$", serve_blob)]


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
    headers = {
        # Archived pages are foreign content: no scripts, no same-origin access.
        "Content-Security-Policy": "sandbox",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{sha256}"',
    }
    return Response(path.read_bytes(), headers=headers, content_type=content_type)
