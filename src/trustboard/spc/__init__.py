"""Statistical process control in the Making Data Count style, for many series at once.

``compute`` takes a table (Polars, pandas or PyArrow) and returns an immutable
:class:`SpcResult`: per-point limits, special-cause flags and point types, one summary row per
series with its variation and assurance icons, and one row per rebase group.  The default rule
set (``preset="ptd"``) reproduces NHSRplotthedots 0.2.2; ``preset="mdc"`` follows the NHS
England Making Data Count single-chart tool.  See ``docs/spc.md``.
"""

from trustboard.spc.api import compute
from trustboard.spc.funnel import FunnelResult, funnel
from trustboard.spc.options import PRESETS, SpcOptions
from trustboard.spc.result import AssuranceIcon, PointType, SpcResult, VariationIcon

__all__ = [
    "PRESETS",
    "AssuranceIcon",
    "FunnelResult",
    "PointType",
    "SpcOptions",
    "SpcResult",
    "VariationIcon",
    "compute",
    "funnel",
]
