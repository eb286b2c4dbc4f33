"""Datasette plugin: the table permission checks read the served metadata once.

Datasette 0.65.5 answers each `view-table` check (every table page, each table of the home
and database pages) by deep-copying the whole metadata, about 6 ms with the wide tables'
570 column descriptions on a loaded 2-core machine. The metadata `harvester serve` hands
Datasette is written once at start and never changes while served (no plugin supplies
metadata), so each table's answer is computed once and kept.
"""

from __future__ import annotations

from functools import cache

from datasette import hookimpl


@hookimpl
def startup(datasette):
    # Datasette's own method (datasette/default_permissions.py calls it), answered once per table.
    datasette._table_permission_allows = cache(datasette._table_permission_allows)
