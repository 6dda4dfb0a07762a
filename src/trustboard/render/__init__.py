"""Rendering: SVG charts and icons (pure), the HTML board pack and its PDF.

Importing this package is light: the SVG functions need no template engine or PDF library;
the board pack (``trustboard.render.pack``) loads Jinja2 and WeasyPrint when it is used.
"""

from trustboard.render.svg import (
    ASSURANCE_ICONS,
    ICON_MEANINGS,
    SIGNAL_WORDS,
    VARIATION_ICONS,
    describe_funnel_chart,
    describe_spc_chart,
    format_value,
    funnel_chart_svg,
    icon_svg,
    sparkline_svg,
    spc_chart_svg,
    spc_data_table,
    spc_table_rows,
    svg_to_data_uri,
)

__all__ = [
    "ASSURANCE_ICONS",
    "ICON_MEANINGS",
    "SIGNAL_WORDS",
    "VARIATION_ICONS",
    "describe_funnel_chart",
    "describe_spc_chart",
    "format_value",
    "funnel_chart_svg",
    "icon_svg",
    "sparkline_svg",
    "spc_chart_svg",
    "spc_data_table",
    "spc_table_rows",
    "svg_to_data_uri",
]
