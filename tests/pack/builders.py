"""Hand-built pack inputs for the tests: a small catalogue, series and narrative.

Limits here are computed by a plain XmR reference (mean ± 2.66 × mean moving range, no
screening), independent of the SPC engine, so render tests do not depend on it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date

from trustboard.domain import (
    Action,
    ActionStatus,
    AssuranceLevel,
    Commentary,
    DetailLevel,
    Domain,
    Forum,
    ForumKind,
    MetricDefinition,
    Period,
    Polarity,
    Target,
    TargetType,
    Unit,
)
from trustboard.domain.governance import Governance, Person, PreviousForum, RiskAppetite
from trustboard.render.pack.formatting import format_value
from trustboard.render.pack.model import (
    MetricSection,
    PackModel,
    SeriesPoint,
    SummaryRow,
)
from trustboard.render.pack.statement import statement_for

PERIOD = Period.month(2025, 3)


def months(n: int, end: date = date(2025, 3, 1)) -> list[date]:
    """``n`` month starts ending at ``end``."""
    out = []
    year, month = end.year, end.month
    for _ in range(n):
        out.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


def reference_xmr(values: list[float]) -> tuple[float, float, float]:
    """Mean and process limits by the textbook XmR formula (no moving-range screening)."""
    mean = sum(values) / len(values)
    mrs = [abs(b - a) for a, b in itertools.pairwise(values)]
    amr = sum(mrs) / len(mrs)
    return mean, mean - 2.66 * amr, mean + 2.66 * amr


def hand_points(
    values: Sequence[float | None],
    unit: Unit,
    *,
    point_types: dict[int, str] | None = None,
    target: float | None = None,
    suppressed: frozenset[int] = frozenset(),
    labels: dict[int, str] | None = None,
) -> tuple[SeriesPoint, ...]:
    """Points with reference XmR limits; ``point_types`` marks special-cause points by index."""
    present = [v for v in values if v is not None]
    mean, lpl, upl = reference_xmr(present)
    out = []
    for i, (day, value) in enumerate(zip(months(len(values)), values, strict=True)):
        kind = (point_types or {}).get(i, "common_cause")
        out.append(
            SeriesPoint(
                date=day,
                value=None if i in suppressed else value,
                display="*" if i in suppressed else format_value(value, unit),
                mean=mean,
                lpl=lpl,
                upl=upl,
                point_type=kind,
                special_cause_type=(labels or {}).get(
                    i, "Common Cause" if kind == "common_cause" else "7 Points Below CL"
                ),
                relative_to_mean=0 if value is None else (value > mean) - (value < mean),
                target=target,
                suppressed=i in suppressed,
            )
        )
    return tuple(out)


def definition(metric_id: str = "RES01", **overrides: object) -> MetricDefinition:
    """A percent metric with a 95% national standard, unless overridden."""
    base: dict[str, object] = {
        "id": metric_id,
        "name": "Talking Therapies: entered treatment within 6 weeks",
        "short_name": "TT 6 weeks",
        "description": "Referrals finishing a course of treatment who waited under 6 weeks.",
        "domain": Domain.RESPONSIVE,
        "unit": Unit.PERCENT,
        "polarity": Polarity.HIGHER_IS_BETTER,
        "targets": (Target(value=0.95, type=TargetType.NATIONAL_STANDARD),),
        "exec_lead": "Chief Operating Officer",
        "lead_committees": ("FPC",),
        "baf_risks": ("SR2",),
        "data_source": "NHS Talking Therapies dataset",
    }
    base.update(overrides)
    return MetricDefinition(**base)  # type: ignore[arg-type]


def section(
    defn: MetricDefinition,
    points: tuple[SeriesPoint, ...],
    *,
    variation: str | None,
    assurance: str | None,
    exception: tuple[str, ...] = (),
    commentary: Commentary | None = None,
    actions: tuple[Action, ...] = (),
) -> MetricSection:
    """A section whose summary is the latest point of ``points``."""
    last = points[-1]
    summary = SummaryRow(
        latest_date=last.date,
        value=last.value,
        display=last.display,
        n=len(points),
        mean=last.mean,
        lpl=last.lpl,
        upl=last.upl,
        target=last.target,
        improvement=defn.polarity.improvement,
        variation_icon=variation,
        assurance_icon=assurance,
    )
    target = defn.target_on(last.date)
    return MetricSection(
        definition=defn,
        points=points,
        summary=summary,
        statement=statement_for(points, summary, defn, target),
        target=target,
        commentary=commentary,
        actions=actions,
        exception_reasons=exception,
    )


def paper(**overrides: object) -> Governance:
    """A complete cover sheet."""
    base: dict[str, object] = {
        "title": "Integrated Performance Report",
        "meeting": "Trust Board (public)",
        "meeting_date": date(2025, 4, 24),
        "agenda_item": "7.1",
        "sponsor": Person(name="Amara Osei", role="Director of Finance and Performance"),
        "author": Person(name="Tom Reid", role="Head of Performance"),
        "date_submitted": date(2025, 4, 15),
        "purpose": "assure",
        "previous_forums": (
            PreviousForum(
                name="Finance and Performance Committee",
                meeting_date=date(2025, 4, 10),
                assurance=AssuranceLevel.PARTIALLY_ASSURED,
            ),
        ),
        "assurance_offered": AssuranceLevel.PARTIALLY_ASSURED,
        "strategic_goals": ("Great Care",),
        "baf_links": ("SR2",),
        "fomi": "Data from the trust EPR, validated by the performance team.",
        "patient_safety_confirmed": True,
        "equality": "No adverse impact identified.",
        "decision_required": "Take assurance from the report.",
        "risk_appetite": RiskAppetite(consistent=True, reason="Within the Board's appetite."),
    }
    base.update(overrides)
    return Governance.model_validate(base)


def forum(**overrides: object) -> Forum:
    """The private Board, full detail, unless overridden."""
    base: dict[str, object] = {
        "id": "board",
        "name": "Trust Board",
        "kind": ForumKind.BOARD,
        "detail": DetailLevel.FULL,
    }
    base.update(overrides)
    return Forum(**base)  # type: ignore[arg-type]


def small_model(**overrides: object) -> PackModel:
    """A two-metric model: one exception with narrative and actions, one common cause."""
    d1 = definition()
    values = [
        0.9,
        0.91,
        0.92,
        0.9,
        0.93,
        0.91,
        0.92,
        0.9,
        0.91,
        0.92,
        0.9,
        0.91,
        0.88,
        0.87,
        0.86,
        0.87,
        0.86,
        0.85,
        0.86,
        0.85,
        0.84,
        0.86,
        0.85,
        0.84,
    ]
    p1 = hand_points(
        values,
        Unit.PERCENT,
        point_types={i: "special_cause_concern" for i in range(12, 24)},
        target=0.95,
    )
    commentary = Commentary(
        metric_id="RES01",
        period="2025-03",
        author="Service Director",
        sections={
            "chart_shows": "Waits rose after a therapist vacancy.",
            "root_causes": "Two vacancies in step 2 services.",
        },
        assurance_level=AssuranceLevel.PARTIALLY_ASSURED,
    )
    action = Action(
        id="A1",
        metric_id="RES01",
        description="Recruit two therapists",
        owner="Service Director",
        due=date(2025, 6, 30),
        original_due=date(2025, 5, 31),
        status=ActionStatus.AT_RISK,
    )
    s1 = section(
        d1,
        p1,
        variation="concern_low",
        assurance="fail",
        exception=("Special cause concern at the latest point",),
        commentary=commentary,
        actions=(action,),
    )
    d2 = definition(
        "SAF11",
        name="Inpatient falls per 1,000 occupied bed days",
        short_name="Falls",
        domain=Domain.SAFE,
        unit=Unit.RATE_PER_1000_OBD,
        polarity=Polarity.LOWER_IS_BETTER,
        targets=(Target(value=6.0, comparator=">=" if False else "<=", type=TargetType.LOCAL),),
        baf_risks=(),
        lead_committees=("Quality",),
    )
    p2 = hand_points(
        [5.1, 4.8, 5.5, 5.0, 4.9, 5.2, 5.3, 4.7, 5.0, 5.1, 4.9, 5.2, 5.0, 5.1, 4.8, 5.4],
        Unit.RATE_PER_1000_OBD,
        target=6.0,
    )
    s2 = section(d2, p2, variation="common_cause", assurance="inconsistent")
    base: dict[str, object] = {
        "paper": paper(),
        "forum": forum(),
        "period": PERIOD,
        "trust_name": "Example NHS Trust",
        "sections": (s2, s1),
    }
    base.update(overrides)
    return PackModel(**base)  # type: ignore[arg-type]
