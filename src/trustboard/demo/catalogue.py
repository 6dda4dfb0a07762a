"""The demo trust's metric catalogue: about a hundred metrics from every domain.

Each metric is a real :class:`~trustboard.domain.MetricDefinition` (id, name, unit, polarity,
targets and target types from the catalogue tables of domain.md §3, directorate, executive
lead, lead committees, strategic goals, data source, chart type, data-quality rating, rebase
points) with the profile its synthetic history follows.
"""

from __future__ import annotations

from trustboard.demo._definitions import describe
from trustboard.demo._metrics_operations import (
    WAITS_METRICS,
    context_metrics,
    finance_metrics,
    responsive_metrics,
    well_led_metrics,
)
from trustboard.demo._metrics_quality import caring_metrics, effective_metrics, safe_metrics
from trustboard.demo._spec import (
    COMMITTEES,
    EXEC_LEADS,
    GOALS,
    PROVISIONAL,
    DemoMetric,
    SeriesKind,
    SeriesProfile,
    Step,
)
from trustboard.domain import MetricDefinition

__all__ = [
    "BAF_KEY_METRICS",
    "COMMITTEES",
    "EXEC_LEADS",
    "GOALS",
    "RISK_REGISTER_LINKS",
    "WAITS_METRICS",
    "DemoMetric",
    "SeriesKind",
    "SeriesProfile",
    "Step",
    "build_catalogue",
    "definitions",
]

#: Key metrics of each strategic risk of the demo Board Assurance Framework
#: (``services/baf_demo_register.yaml``); each metric lists the risks it evidences.
BAF_KEY_METRICS: dict[str, tuple[str, ...]] = {
    "BAF-01": ("SAF07", "SAF08", "SAF11", "SAF17-RN-NIGHT"),
    "BAF-02": ("EFF01", "EFF02", "EFF03", "EFF15"),
    # access to services: every waiting-time measure, neurodevelopmental waits and the
    # safety of the people waiting
    "BAF-03": (
        "RES01",
        "RES02",
        "RES03",
        "RES04",
        "RES05",
        "RES06-LIST",
        "RES06-MED",
        "RES06-P90",
        "RES07-52W",
        "RES08-4W",
        "RES08-LIST",
        "RES08-52W",
        "RES11-LIST",
        "RES11-52W",
        "RES12",
        "RES13",
        "RES14",
        "RES18",
        "RES25-LIST",
        "RES25-52W",
        "RES26",
    ),
    "BAF-04": ("WEL02", "WEL03", "WEL04", "FIN10"),
    "BAF-05": ("WEL01", "WEL09", "WEL13"),
    "BAF-06": ("FIN01", "FIN03", "FIN09", "EFF06"),
    "BAF-07": ("EFF12", "EFF19", "RES09"),
}

#: Corporate risk register entries (of the demo register) that each metric evidences.
RISK_REGISTER_LINKS: dict[str, tuple[str, ...]] = {
    "SAF17-RN-DAY": ("CRR-112",),
    "SAF17-RN-NIGHT": ("CRR-112",),
    "RES06-LIST": ("CRR-104",),
    "RES07-52W": ("CRR-104",),
    "RES25-LIST": ("CRR-087",),
    "RES25-52W": ("CRR-087",),
    "RES26": ("CRR-104", "CRR-087"),
    "WEL04": ("CRR-120",),
    "FIN04": ("CRR-120",),
    "EFF06": ("CRR-095",),
    "FIN09": ("CRR-095",),
}


def _with_links_and_definition(metric: DemoMetric) -> DemoMetric:
    """The metric with its risk links and its full definition (what it counts, numerator and
    denominator, the standard in force, the catalogue entry's note on the series and, for a
    metric whose source revises the month later, why its latest month is provisional)."""
    risks = tuple(risk for risk, ids in BAF_KEY_METRICS.items() if metric.id in ids)
    crr = RISK_REGISTER_LINKS.get(metric.id, ())
    note = metric.definition.description
    if metric.id in PROVISIONAL:
        lag = f"The latest month is provisional: {PROVISIONAL[metric.id]}."
        note = f"{note} {lag}" if note else lag
    definition = metric.definition.model_copy(
        update={
            "baf_risks": risks,
            "risk_register_ids": crr,
            "description": describe(metric.definition, note),
        }
    )
    return DemoMetric(definition=definition, profile=metric.profile)


def build_catalogue() -> tuple[DemoMetric, ...]:
    """Every demo metric in report order: Safe, Effective, Caring, Responsive, Well-led,
    Finance, Context."""
    metrics = tuple(
        _with_links_and_definition(m)
        for m in (
            *safe_metrics(),
            *effective_metrics(),
            *caring_metrics(),
            *responsive_metrics(),
            *well_led_metrics(),
            *finance_metrics(),
            *context_metrics(),
        )
    )
    seen: set[str] = set()
    for metric in metrics:
        if metric.id in seen:  # a catalogue edit gone wrong: fail loudly, never shadow a metric
            raise ValueError(f"demo metric id {metric.id!r} is defined twice")
        seen.add(metric.id)
    return metrics


def definitions(metrics: tuple[DemoMetric, ...] | None = None) -> tuple[MetricDefinition, ...]:
    """The metric definitions of the demo catalogue (or of ``metrics``), in report order."""
    return tuple(m.definition for m in (metrics if metrics is not None else build_catalogue()))
