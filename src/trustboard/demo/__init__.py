"""The demo trust: a realistic, deterministic synthetic community and mental health trust.

``build_demo_trust(seed)`` returns its organisation, about a hundred metrics from every domain
with 48 months of history to March 2025, commentary and actions for the exception metrics,
the forums that receive the report and the cover sheets of their papers.  Used by the tests,
the documentation and ``trustboard demo``.  ``demo/data/`` holds a real public data set (A&E
attendances) used by the SPC examples.
"""

from trustboard.demo.catalogue import (
    BAF_KEY_METRICS,
    COMMITTEES,
    EXEC_LEADS,
    GOALS,
    WAITS_METRICS,
    DemoMetric,
    SeriesProfile,
    Step,
    build_catalogue,
    definitions,
)
from trustboard.demo.forums import FORUM_IDS, build_forums
from trustboard.demo.narrative import REPORTING_MONTHS, Narrative, build_narrative
from trustboard.demo.organisation import (
    DIRECTORATES,
    TRUST_CODE,
    TRUST_NAME,
    build_org_units,
)
from trustboard.demo.paper import build_paper_config, meeting_dates
from trustboard.demo.trust import DEFAULT_SEED, DemoTrust, build_demo_trust
from trustboard.demo.values import (
    HISTORY_MONTHS,
    LATEST_PERIOD,
    VALUE_COLUMNS,
    demo_periods,
    generate_values,
)
from trustboard.demo.waiting import values_from_waits

__all__ = [
    "BAF_KEY_METRICS",
    "COMMITTEES",
    "DEFAULT_SEED",
    "DIRECTORATES",
    "EXEC_LEADS",
    "FORUM_IDS",
    "GOALS",
    "HISTORY_MONTHS",
    "LATEST_PERIOD",
    "REPORTING_MONTHS",
    "TRUST_CODE",
    "TRUST_NAME",
    "VALUE_COLUMNS",
    "WAITS_METRICS",
    "DemoMetric",
    "DemoTrust",
    "Narrative",
    "SeriesProfile",
    "Step",
    "build_catalogue",
    "build_demo_trust",
    "build_forums",
    "build_narrative",
    "build_org_units",
    "build_paper_config",
    "definitions",
    "demo_periods",
    "generate_values",
    "meeting_dates",
    "values_from_waits",
]
