"""Every SPC constant, defined once, with its source.

Sources:

* NHSRplotthedots 0.2.2 (GitHub ``nhs-r-community/NHSRplotthedots``, commit ``050b07d``):
  ``R/ptd_spc_standard.R`` (limit multipliers, moving-range screening),
  ``R/ptd_calculate_point_type.R`` (run lengths), ``R/ptd_add_short_group_warnings.R``
  (trial-limit threshold), ``R/ptd_spc_options.R`` (minimum ``fix_after_n_points``).
* Making Data Count (NHS England): single-chart tool conventions as stated by the MDC team in
  NHSRplotthedots issue #194 (shift 7, two-in-three counting every point beyond 2 sigma,
  improvement wins, limits and icons from 13 points) and the 2019 MDC SQL tool (6-point trend).
* Montgomery, *Introduction to Statistical Quality Control*: d2(2) = 1.128 and
  D4(2) = 3.267 for moving ranges of two points.
* Nelson (1994), "A control chart for parts-per-million nonconforming items", and the
  PowerBI-SPC documentation: the t chart's 3.6 power transform of times between events.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CLOSE_MULTIPLIER",
    "D2",
    "D4",
    "FIX_AFTER_MINIMUM",
    "LIMIT_MULTIPLIER",
    "MDC_MIN_POINTS",
    "MDC_SHIFT_LENGTH",
    "MDC_TREND_LENGTH",
    "MR_SCREEN_MULTIPLIER",
    "PTD_SHIFT_LENGTH",
    "PTD_TREND_LENGTH",
    "SHORT_GROUP_THRESHOLD",
    "SIGMA_CLOSE",
    "SIGMA_LIMIT",
    "T_CHART_POWER",
]

#: d2 for moving ranges of two points: sigma = mean MR / 1.128 (Montgomery, Table VI).
D2: Final = 1.128
#: D4 for moving ranges of two points: upper range limit 3.267 x mean MR (Montgomery).
D4: Final = 3.267

#: Process limits sit 2.66 x mean MR from the mean (3 / 1.128, rounded as the NHS tools
#: round it; NHSRplotthedots ``R/ptd_spc_standard.R`` line 47).
LIMIT_MULTIPLIER: Final = 2.66
#: The "close to the limits" (2 sigma) line: 2 x 2.66 / 3 x mean MR
#: (NHSRplotthedots ``R/ptd_spc_standard.R`` line 48).
CLOSE_MULTIPLIER: Final = 2.0 * (2.66 / 3.0)
#: Moving ranges at or above 3.267 x the mean moving range are screened out before the limits
#: are computed (one pass; NHSRplotthedots ``R/ptd_spc_standard.R`` lines 72-78).
MR_SCREEN_MULTIPLIER: Final = D4

#: Sigma multiples of the process limits and of the "close" lines for charts built on sigma.
SIGMA_LIMIT: Final = 3.0
SIGMA_CLOSE: Final = 2.0

#: NHSRplotthedots: 7 points on one side of the mean (``ptd_seven_point_one_side_mean``).
PTD_SHIFT_LENGTH: Final = 7
#: NHSRplotthedots: 7 points each strictly above (below) the one before (``ptd_seven_point_trend``).
PTD_TREND_LENGTH: Final = 7
#: Making Data Count single-chart tool: shift of 7 (issue #194).
MDC_SHIFT_LENGTH: Final = 7
#: Making Data Count: trend of 6 points (MDC SQL tool 2019: 5 successive rises or falls).
MDC_TREND_LENGTH: Final = 6
#: Making Data Count single-chart tool shows process limits and icons from 13 points (issue #194).
MDC_MIN_POINTS: Final = 13

#: Groups with fewer rows than this carry the trial-limit warning
#: (``getOption("ptd_spc.warning_threshold", 13)`` in ``R/ptd_add_short_group_warnings.R``).
SHORT_GROUP_THRESHOLD: Final = 13
#: ``fix_after_n_points`` must be at least 12 (``R/ptd_spc_options.R`` line 64).
FIX_AFTER_MINIMUM: Final = 12

#: t chart: times between events are transformed by x^(1/3.6) to near-normal (Nelson 1994).
T_CHART_POWER: Final = 3.6
