"""The harvester's Datasette plugins, by the entry-point names pyproject.toml gives them.

Installing the package registers them as `datasette` entry points; `register_plugins` makes sure
they are loaded in a process whose install predates an entry point (an editable checkout not
reinstalled). The modules are plugins of Datasette, and this module only lists them: none of them
imports it.
"""

from __future__ import annotations

from importlib import import_module

# Entry-point name -> module (tests/publish/test_plugins.py holds pyproject.toml to the same list).
PLUGINS = {
    "harvester": "harvester.db.datasette_plugin",
    "harvester-counts": "harvester.db.counted_facets",
    "harvester-bounded-counts": "harvester.db.bounded_counts",
    "harvester-static-metadata": "harvester.db.static_metadata",
    "harvester-wide-columns": "harvester.db.wide_columns",
    "harvester-long-lived": "harvester.db.long_lived",
}


def register_plugins() -> None:
    """Register every harvester plugin with Datasette's plugin manager, once."""
    from datasette.plugins import pm

    for name, module in PLUGINS.items():
        plugin = import_module(module)
        if not pm.is_registered(plugin):
            pm.register(plugin, name=name)
