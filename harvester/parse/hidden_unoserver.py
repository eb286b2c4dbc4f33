"""unoserver, loading every document hidden: LibreOffice then makes no view of it to lay out.

    PYTHON_OF_UNOSERVER hidden_unoserver.py UNOSERVER_ARGUMENTS...

unoserver loads a document with ReadOnly alone; Hidden=True as well cut soffice's CPU per
fixture DOC converted to DOCX from 0.17 s to 0.11 s (the document's content, and so the DOCX, is
the same). Run by its path with the interpreter unoserver is installed for (Debian's python3 with
python3-uno, via the virtualenv `./run setup` makes): it imports unoserver and uno, not harvester.
"""

from __future__ import annotations

import sys

import uno  # noqa: F401 - makes the com.sun.star modules importable
from com.sun.star.beans import PropertyValue
from unoserver import converter, server


class HiddenDesktop:
    """The LibreOffice desktop, whose loadComponentFromURL also asks for a hidden document."""

    def __init__(self, desktop) -> None:
        self.desktop = desktop

    def loadComponentFromURL(self, url, frame, flags, properties):  # noqa: N802 - the UNO name
        hidden = PropertyValue(Name="Hidden", Value=True)
        return self.desktop.loadComponentFromURL(url, frame, flags, (*properties, hidden))

    def __getattr__(self, name: str):
        return getattr(self.desktop, name)


def hide_documents() -> None:
    """Make every UnoConverter unoserver creates load through a HiddenDesktop."""
    connect = converter.UnoConverter.__init__

    def connect_hidden(self, *args, **kwargs) -> None:
        connect(self, *args, **kwargs)
        self.desktop = HiddenDesktop(self.desktop)

    converter.UnoConverter.__init__ = connect_hidden


if __name__ == "__main__":
    hide_documents()
    sys.argv[0] = "unoserver"
    sys.exit(server.main())
