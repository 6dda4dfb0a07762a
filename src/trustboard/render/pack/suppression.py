"""Small-number suppression for public packs: the one rule of :mod:`trustboard.disclosure`.

The pack applies the rule to the *data*, before any statistic, chart or sentence is made from
it (domain.md §10.3, step 8): the SPC engine then works on the published figures only, and
nothing downstream can reveal a suppressed value.  The rule itself is written once, in
:mod:`trustboard.disclosure`, which waiting times and the web app use too.
"""

from __future__ import annotations

from trustboard.disclosure import (
    SUPPRESSION_MARK,
    SUPPRESSION_THRESHOLD,
    SuppressedValue,
    round_to_nearest_five,
    suppress_series,
    suppress_value,
)

__all__ = [
    "SUPPRESSION_MARK",
    "SUPPRESSION_THRESHOLD",
    "SuppressedValue",
    "round_to_nearest_five",
    "suppress_series",
    "suppress_value",
]
