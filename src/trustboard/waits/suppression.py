"""Publication suppression of waiting-time outputs: the one rule of :mod:`trustboard.disclosure`.

NHS England's waiting-time statistics show counts under 5 as ``*`` and round every other
count to the nearest 5 (domain.md §10.3 step 8, [S37]).  The rule is written once, in
:mod:`trustboard.disclosure`, which the board pack and the web app use too.
"""

from __future__ import annotations

from trustboard.disclosure import SUPPRESSION_MARK as SUPPRESSED
from trustboard.disclosure import suppress_count, suppress_frame

__all__ = ["SUPPRESSED", "suppress_count", "suppress_frame"]
