"""The one Jinja2 environment factory of the HTML renderers (board pack, BAF, web app).

Every template is rendered with the same settings: autoescaping on for every template and
string (text from a catalogue, a register or an author is never markup), undefined names an
error rather than an empty string, and whitespace control that keeps output deterministic.
Every environment also has the commentary filters, so Markdown is rendered the same way
wherever it appears: ``markdown`` (block) and ``markdown_inline`` (inside a cell or sentence).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from trustboard.render.markdown import markdown_html, markdown_inline

__all__ = ["template_environment"]


def template_environment(
    package: str,
    *,
    filters: Mapping[str, Callable[..., Any]] | None = None,
    globals: Mapping[str, Any] | None = None,
) -> Environment:
    """A Jinja2 environment over the ``templates`` folder of ``package``.

    ``filters`` and ``globals`` are the renderer's own; the shared ones (``markdown``,
    ``markdown_inline``) cannot be replaced by them.  Callers cache the environment.
    """
    env = Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(["j2", "html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(filters or {})
    env.filters["markdown"] = markdown_html
    env.filters["markdown_inline"] = markdown_inline
    env.globals.update(globals or {})
    return env
