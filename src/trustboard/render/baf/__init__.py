"""The Board Assurance Framework in the board pack: heat map, risk table, risk pages (pure)."""

from trustboard.render.baf.fragments import (
    KeyMetricView,
    baf_section_html,
    baf_stylesheet,
    heat_map_html,
    risk_page_html,
    risk_table_html,
    visible_flags,
)
from trustboard.render.baf.heatmap import (
    HeatMapPlacement,
    heat_map_description,
    heat_map_placements,
    heat_map_svg,
)

__all__ = [
    "HeatMapPlacement",
    "KeyMetricView",
    "baf_section_html",
    "baf_stylesheet",
    "heat_map_description",
    "heat_map_html",
    "heat_map_placements",
    "heat_map_svg",
    "risk_page_html",
    "risk_table_html",
    "visible_flags",
]
