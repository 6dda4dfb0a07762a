"""The web app: the board pack's figures in the browser, for every role (``trustboard serve``).

Routes are thin: parse the request, find who is asking, call one service, render one
template.  Pages reuse the pack's model, SVG charts and icons, so a figure in the browser is
the one in the PDF.  See ``docs/web.md``.
"""

from trustboard.web.app import WebSettings, create_app

__all__ = ["WebSettings", "create_app"]
