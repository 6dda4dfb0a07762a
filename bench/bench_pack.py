"""Benchmark: build a 100-metric board pack (model, HTML, PDF) and print the times.

A synthetic catalogue of ``--metrics`` monthly metrics (default 100) across every domain —
percentages with a national standard, rates, counts with the national suppression rule, money —
with 36 months of values, commentary on every fifth metric and an action on every exception.
Targets of the brief: HTML ≤ 5 s, PDF ≤ 60 s for 100 metrics.  Wall-clock and CPU seconds are
both printed: on a shared machine the CPU time is the steadier figure.

    .venv/bin/python bench/bench_pack.py [--metrics 100] [--no-pdf] [--public]
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import date, timedelta

import polars as pl

from trustboard.domain import (
    Action,
    Commentary,
    DetailLevel,
    Domain,
    Forum,
    MetricDefinition,
    Period,
    Target,
    TargetType,
)
from trustboard.domain.governance import Governance, PaperPurpose, Person
from trustboard.render.pack import (
    PackInputs,
    assemble_pack,
    render_html,
    render_pdf,
)

_DOMAINS = [
    Domain.SAFE,
    Domain.EFFECTIVE,
    Domain.CARING,
    Domain.RESPONSIVE,
    Domain.WELL_LED,
    Domain.FINANCE,
]


def _catalogue(n: int) -> list[MetricDefinition]:
    out = []
    for i in range(n):
        domain = _DOMAINS[i % len(_DOMAINS)]
        kind = i % 4
        common = {
            "id": f"M{i:03d}",
            "name": f"Metric {i:03d} ({domain.value.lower()})",
            "domain": domain,
            "exec_lead": "Chief Operating Officer",
            "lead_committees": ("FPC",),
            "data_source": "EPR",
            "baf_risks": ("SR1",) if i % 7 == 0 else (),
        }
        if kind == 0:
            out.append(
                MetricDefinition(
                    **common,
                    unit="percent",
                    polarity="higher_is_better",
                    targets=(Target(value=0.9, type=TargetType.NATIONAL_STANDARD),),
                )
            )
        elif kind == 1:
            out.append(
                MetricDefinition(
                    **common,
                    unit="rate_per_1000_obd",
                    polarity="lower_is_better",
                    targets=(Target(value=6.0, comparator="<="),),
                )
            )
        elif kind == 2:
            out.append(
                MetricDefinition(
                    **common, unit="count", polarity="lower_is_better", suppression="national"
                )
            )
        else:
            out.append(
                MetricDefinition(
                    **common,
                    unit="gbp_000",
                    polarity="lower_is_better",
                    triangulate_with=(f"M{i - 1:03d}",) if i else (),
                )
            )
    return out


def _values(metrics: list[MetricDefinition], period: Period, months: int) -> pl.DataFrame:
    rows = []
    days = [period.shift(-k).start for k in range(months)][::-1]
    for m_index, metric in enumerate(metrics):
        for i, day in enumerate(days):
            wave = math.sin(i * 0.7 + m_index)
            step = 1 if (m_index % 5 == 0 and i > months - 8) else 0
            unit = metric.unit.value
            value = {
                "percent": 0.9 + 0.02 * wave - 0.06 * step,
                "rate_per_1000_obd": 5 + 0.5 * wave + step,
                "count": 8 + 6 * wave + 3 * step,
                "gbp_000": 400 + 30 * wave,
            }[unit]
            rows.append(
                {
                    "metric_id": metric.id,
                    "period_start": day,
                    "value": value,
                    "provisional": i == months - 1,
                }
            )
    return pl.DataFrame(rows)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", type=int, default=100)
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument(
        "--public", action="store_true", help="a public forum (suppression applied)"
    )
    args = parser.parse_args()
    period = Period.month(2025, 3)
    metrics = _catalogue(args.metrics)
    values = _values(metrics, period, 36)
    commentary = [
        Commentary(
            metric_id=m.id,
            period=period.label(),
            author="Service lead",
            sections={
                "chart_shows": "Performance dipped in the winter months.",
                "root_causes": "Staffing gaps on two wards.",
            },
        )
        for m in metrics[::5]
    ]
    actions = [
        Action(
            id=f"A{m.id}",
            metric_id=m.id,
            description="Recovery plan",
            owner="Director",
            due=date(2025, 6, 30),
            original_due=date(2025, 6, 30) - timedelta(days=30),
        )
        for m in metrics[::5]
    ]
    forum = Forum(id="board", name="Trust Board", public=args.public, detail=DetailLevel.FULL)
    paper = Governance(
        title="Integrated Performance Report",
        meeting="Trust Board",
        meeting_date=date(2025, 4, 24),
        agenda_item="7",
        sponsor=Person(name="A. Chief", role="Chief Executive"),
        author=Person(name="B. Analyst", role="Head of Business Intelligence"),
        date_submitted=date(2025, 4, 15),
        purpose=PaperPurpose.ASSURE,
    )
    inputs = PackInputs(
        forum=forum,
        period=period,
        paper=paper,
        trust_name="Benchmark NHS Trust",
        metrics=metrics,
        values=values,
        commentary=commentary,
        actions=actions,
        synthetic=True,
    )
    cpu_started = time.process_time()
    started = time.perf_counter()
    model = assemble_pack(inputs)
    assembled = time.perf_counter()
    html = render_html(model)
    rendered = time.perf_counter()
    cpu_rendered = time.process_time()
    print(
        f"metrics: {len(model.sections)}, exceptions: {len(model.exceptions)}, "
        f"values: {values.height:,}, HTML size: {len(html.encode()) / 1e6:.1f} MB"
    )
    print(f"model (suppression, SPC, statements): {assembled - started:.2f} s")
    print(f"HTML render:                          {rendered - assembled:.2f} s")
    print(
        f"model + HTML:                         {rendered - started:.2f} s  (target ≤ 5 s; "
        f"CPU {cpu_rendered - cpu_started:.2f} s)"
    )
    if not args.no_pdf:
        pdf = render_pdf(html)
        done = time.perf_counter()
        cpu_done = time.process_time()
        print(
            f"PDF render:                           {done - rendered:.2f} s  "
            f"({len(pdf) / 1e6:.1f} MB; target ≤ 60 s; CPU {cpu_done - cpu_rendered:.2f} s)"
        )
        print(f"total:                                {done - started:.2f} s")


if __name__ == "__main__":
    main()
