"""The demo trust in one call: :func:`build_demo_trust`.

A realistic, deterministic synthetic community and mental health trust: its organisation,
about a hundred metrics from every domain with 48 months of history, commentary and actions
for the exception metrics, the forums that receive the report and the cover sheets of their
papers.  Everything depends only on the seed (never on today's date or on dictionary order),
and everything is labelled synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from trustboard.demo._spec import DemoMetric
from trustboard.demo.catalogue import build_catalogue, definitions
from trustboard.demo.forums import build_forums
from trustboard.demo.narrative import Narrative, build_narrative
from trustboard.demo.organisation import TRUST_NAME, build_org_units
from trustboard.demo.paper import build_paper_config
from trustboard.demo.values import LATEST_PERIOD, VALUE_COLUMNS, generate_values
from trustboard.domain import Action, Commentary, Forum, MetricDefinition, OrgUnit, Period
from trustboard.errors import DataValidationError, ErrorCode, Problem

__all__ = ["DEFAULT_SEED", "DemoTrust", "build_demo_trust"]

#: The seed ``trustboard demo`` uses unless told otherwise (the demo's latest data month).
DEFAULT_SEED = 20250331


@dataclass(frozen=True)
class DemoTrust:
    """Everything the demo trust consists of, as domain objects and Polars frames."""

    seed: int
    latest: Period
    trust_name: str
    org_units: tuple[OrgUnit, ...]
    metrics: tuple[DemoMetric, ...]
    values: pl.DataFrame
    narrative: Narrative
    forums: tuple[Forum, ...]
    paper: dict[str, object]
    #: every page built from the demo is labelled as synthetic data
    synthetic: bool = True

    @property
    def definitions(self) -> tuple[MetricDefinition, ...]:
        """The metric catalogue, in report order."""
        return definitions(self.metrics)

    @property
    def commentary(self) -> tuple[Commentary, ...]:
        """Commentary for the exception metrics of every reporting month."""
        return self.narrative.commentary

    @property
    def actions(self) -> tuple[Action, ...]:
        """Each action as it stands at the latest month."""
        return self.narrative.actions

    @property
    def action_log(self) -> tuple[tuple[Period, tuple[Action, ...]], ...]:
        """Every action as it stood at each reporting month, oldest first."""
        return self.narrative.action_log

    def metric(self, metric_id: str) -> DemoMetric:
        """One demo metric by id."""
        for metric in self.metrics:
            if metric.id == metric_id:
                return metric
        raise KeyError(metric_id)


def _check_extra(extra: pl.DataFrame, metrics: tuple[DemoMetric, ...]) -> pl.DataFrame:
    missing = [c for c in VALUE_COLUMNS if c not in extra.columns]
    known = {m.id for m in metrics if m.profile.kind == "waits"}
    unknown = sorted(set(extra["metric_id"].unique().to_list()) - known) if not missing else []
    problems = [Problem(ErrorCode.DEMO_EXTRA, "column missing", column=c) for c in missing]
    problems += [
        Problem(
            ErrorCode.DEMO_EXTRA,
            "not a waiting-time metric of the demo catalogue",
            column="metric_id",
            value=m,
        )
        for m in unknown
    ]
    if problems:
        raise DataValidationError("the extra values cannot join the demo trust", problems)
    return extra.select(list(VALUE_COLUMNS)).cast(VALUE_COLUMNS)  # type: ignore[arg-type]


def build_demo_trust(
    seed: int = DEFAULT_SEED,
    *,
    extra_values: pl.DataFrame | None = None,
    latest: Period = LATEST_PERIOD,
) -> DemoTrust:
    """Build the demo trust for ``seed``.

    ``extra_values`` are values computed elsewhere for the catalogue's waiting-time metrics
    (the waiting-times engine run on the demo's patient-level referrals), in the layout of
    :data:`~trustboard.demo.values.VALUE_COLUMNS`; they join the generated values before the
    commentary is written, so the narrative can speak about them.
    """
    metrics = build_catalogue()
    org_units = build_org_units()
    values = generate_values(metrics, org_units, seed, latest=latest)
    if extra_values is not None and extra_values.height:
        values = pl.concat([values, _check_extra(extra_values, metrics)], how="vertical")
    narrative = build_narrative(metrics, values, org_units, latest=latest)
    return DemoTrust(
        seed=seed,
        latest=latest,
        trust_name=TRUST_NAME,
        org_units=org_units,
        metrics=metrics,
        values=values,
        narrative=narrative,
        forums=build_forums(),
        paper=build_paper_config(latest),
    )
