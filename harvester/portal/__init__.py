"""A realistic local replica of government portals (TRS static column, GBK JavaScript-built column) for tests and the demo."""

from harvester.portal.server import Portal, start_portal

__all__ = ["Portal", "start_portal"]
