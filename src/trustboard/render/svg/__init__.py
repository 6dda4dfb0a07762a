"""SVG charts and icons in the Making Data Count style: pure functions, string in, string out.

Everything here is deterministic (the same input gives the same bytes) and does no I/O.
"""

from trustboard.render.svg._svg import svg_to_data_uri
from trustboard.render.svg.formatting import axis_title, format_tick, format_value, nice_ticks
from trustboard.render.svg.funnel_chart import describe_funnel_chart, funnel_chart_svg
from trustboard.render.svg.icons import ASSURANCE_ICONS, ICON_MEANINGS, VARIATION_ICONS, icon_svg
from trustboard.render.svg.sparkline import SPARKLINE_POINTS, sparkline_svg
from trustboard.render.svg.spc_chart import describe_spc_chart, spc_chart_svg
from trustboard.render.svg.table import SIGNAL_WORDS, spc_data_table, spc_table_rows

__all__ = [
    "ASSURANCE_ICONS",
    "ICON_MEANINGS",
    "SIGNAL_WORDS",
    "SPARKLINE_POINTS",
    "VARIATION_ICONS",
    "axis_title",
    "describe_funnel_chart",
    "describe_spc_chart",
    "format_tick",
    "format_value",
    "funnel_chart_svg",
    "icon_svg",
    "nice_ticks",
    "sparkline_svg",
    "spc_chart_svg",
    "spc_data_table",
    "spc_table_rows",
    "svg_to_data_uri",
]
