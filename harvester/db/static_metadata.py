"""Datasette plugin: the table permission checks and plugin configs read the served metadata once.

Datasette 0.65.5 answers each `view-table` check (every table page, each table of the home
and database pages) by deep-copying the whole metadata, about 6 ms with the wide tables'
570 column descriptions on a loaded 2-core machine; and each `plugin_config` by merging the
metadata's levels again, which datasette-render-markdown asks for every cell it is shown
(~800 times, ~15 ms, a page of 100 facts). The metadata `harvester serve` hands Datasette is
written once at start and never changes while served (no plugin supplies metadata), so each
answer is computed once and kept; a plugin config is handed out as a copy (datasette-dashboards
writes into the one it gets).
"""

from __future__ import annotations

import copy
from functools import cache

from datasette import hookimpl


@hookimpl
def startup(datasette):
    # Datasette's own methods (datasette/default_permissions.py and plugins call them),
    # answered once per table or per plugin, database and table.
    datasette._table_permission_allows = cache(datasette._table_permission_allows)
    config = cache(datasette.plugin_config)
    datasette.plugin_config = lambda *args, **kwargs: copy.deepcopy(config(*args, **kwargs))
