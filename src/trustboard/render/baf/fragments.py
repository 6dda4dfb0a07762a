"""HTML fragments of the Board Assurance Framework for the board pack (pure, Jinja2).

The fragments are the heat map with its data table, the risk table, and one page per risk.
Tables are semantic (``<caption>``, ``<th scope>``), CSS classes start with ``baf-``, and
output is deterministic.  Icons and sparklines arrive already rendered (SVG or ``<img>``
strings) in :class:`KeyMetricView`.  ``public=True`` shows only what the trust publishes: risks
marked ``publish: false`` and withheld field groups are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

from jinja2 import Environment
from markupsafe import Markup

from trustboard.domain.baf import (
    CHECK_RULES,
    AssuranceLine,
    BafRegister,
    BafRisk,
    EvidenceFlag,
    FieldGroup,
    GapKind,
    RiskScore,
)
from trustboard.domain.narrative import Action
from trustboard.render.baf.heatmap import (
    heat_map_description,
    heat_map_placements,
    heat_map_svg,
    svg_data_uri,
)
from trustboard.render.svg.icons import ICON_MEANINGS
from trustboard.render.templating import template_environment

__all__ = [
    "KeyMetricView",
    "baf_section_html",
    "baf_stylesheet",
    "heat_map_html",
    "risk_page_html",
    "risk_table_html",
    "visible_flags",
    "withheld_action_ids",
]

_STATUS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "complete": "Complete",
    "closed": "Closed",
}


@dataclass(frozen=True, slots=True)
class KeyMetricView:
    """One key metric as a risk page shows it; the HTML strings are trusted, already rendered."""

    metric_id: str
    name: str | None = None
    #: the latest value and period as text, e.g. "1,240 (Sep 2025)"
    latest: str | None = None
    variation_icon: str | None = None
    assurance_icon: str | None = None
    variation_icon_html: str | None = None
    assurance_icon_html: str | None = None
    sparkline_html: str | None = None
    statement: str | None = None


def _day(value: date | None) -> str:
    return "–" if value is None else f"{value.day} {value.strftime('%b %Y')}"


def _meaning(icon: str | None) -> str:
    if not icon:
        return ICON_MEANINGS["empty"]
    return ICON_MEANINGS.get(icon, icon)


@cache
def _environment() -> Environment:
    return template_environment(
        "trustboard.render.baf",
        filters={
            "day": _day,
            "meaning": _meaning,
            "trusted": lambda text: Markup(text) if text else "",
        },
    )


def baf_stylesheet() -> str:
    """The CSS for the ``baf-`` classes (the pack includes it once)."""
    return files("trustboard.render.baf").joinpath("baf.css").read_text(encoding="utf-8")


def withheld_action_ids(risk: BafRisk, register: BafRegister, *, public: bool) -> frozenset[str]:
    """The actions of ``risk`` a public pack must not show although its actions are published:
    those that answer a withheld gap (an action named for a gap discloses the gap)."""
    if not public or risk.shows(FieldGroup.GAPS, register.public_groups):
        return frozenset()
    return frozenset(a for gap in risk.gaps for a in gap.action_ids)


def visible_flags(
    risk: BafRisk, flags: Iterable[EvidenceFlag], register: BafRegister, *, public: bool
) -> list[EvidenceFlag]:
    """The flags of ``risk`` a reader may see: in a public pack, only those whose evidence is
    published, and none that rests on (or quotes) an action withheld with its gap."""
    own = [f for f in flags if f.risk_id == risk.id]
    if not public:
        return own
    hidden = withheld_action_ids(risk, register, public=public)
    hidden_texts = [a.description for a in risk.actions if a.id in hidden]
    shown = []
    for flag in own:
        rule = CHECK_RULES.get(flag.code)
        reads = rule.reads if rule else tuple(FieldGroup)
        if not all(risk.shows(group, register.public_groups) for group in reads):
            continue
        if hidden.intersection(flag.evidence) or any(t in flag.message for t in hidden_texts):
            continue
        shown.append(flag)
    return shown


class _Shows:
    """Which field groups of a risk the template may show."""

    def __init__(self, risk: BafRisk, register: BafRegister, public: bool) -> None:
        self._risk, self._register, self._public = risk, register, public

    def __getattr__(self, name: str) -> bool:
        try:
            group = FieldGroup(name)
        except ValueError:
            raise AttributeError(name) from None
        return not self._public or self._risk.shows(group, self._register.public_groups)


def _objective_title(register: BafRegister, objective_id: str) -> str:
    found = register.objective(objective_id)
    return found.title if found is not None else objective_id


def _score_view(register: BafRegister, score: RiskScore | None) -> dict[str, object] | None:
    if score is None:
        return None
    band = register.scoring.band_for(score.score)
    return {
        "score": score.score,
        "likelihood": score.likelihood,
        "consequence": score.consequence,
        "band": band.name,
        "css": band.css_name,
    }


def _risk_row(
    risk: BafRisk, register: BafRegister, flags: list[EvidenceFlag], public: bool
) -> dict[str, object]:
    level = register.tolerance_for(risk)
    shows = _Shows(risk, register, public)
    return {
        "risk": risk,
        "shows": shows,
        "objectives": [_objective_title(register, o) for o in risk.objectives],
        "current": _score_view(register, risk.current),
        "target": _score_view(register, risk.target),
        "inherent": _score_view(register, risk.inherent),
        "trend": risk.trend,
        "appetite": level,
        "within": None if level is None else level.tolerates(risk.current.score),
        "flags": flags,
        "flag_labels": sorted(
            {CHECK_RULES[f.code].label if f.code in CHECK_RULES else f.code for f in flags}
        ),
    }


def _registers(register: BafRegister, public: bool) -> BafRegister:
    return register.public() if public else register


def risk_table_html(
    register: BafRegister,
    flags: Sequence[EvidenceFlag] = (),
    *,
    public: bool = False,
    caption: str = "Principal risks: scores, trend, appetite and findings",
) -> str:
    """The risk table: id, title, objective, lead, current and target score with band, trend,
    appetite and tolerance, and the evidence check's findings."""
    shown = _registers(register, public)
    rows = [
        _risk_row(
            r,
            shown,
            visible_flags(register.risk(r.id) or r, flags, register, public=public),
            public,
        )
        for r in shown.risks
    ]
    return _environment().get_template("risk_table.html.j2").render(rows=rows, caption=caption)


def heat_map_html(
    register: BafRegister,
    *,
    public: bool = False,
    as_image: bool = False,
    id_prefix: str = "baf-heat-map",
    narrow: bool = False,
) -> str:
    """The heat map (inline SVG, or an ``<img>`` with alt text for PDF) and its data table;
    with ``narrow`` and ``as_image`` (the web), the narrow drawing of the same data follows the
    pack's drawing, each in its own ``baf-heat-map-wide``/``-narrow`` box for the stylesheet to
    show one."""
    shown = _registers(register, public)
    risks = [
        r for r in shown.risks if not public or r.shows(FieldGroup.SCORES, shown.public_groups)
    ]
    svg = heat_map_svg(shown, risks=tuple(risks), id_prefix=id_prefix)
    placements = heat_map_placements(risks)
    rows = [
        {
            "p": p,
            "band": shown.scoring.band_for(p.current.score).name,
            "previous_band": shown.scoring.band_for(p.previous.score).name if p.previous else None,
            "trend": r.trend,
        }
        for p, r in zip(placements, risks, strict=True)
    ]
    return (
        _environment()
        .get_template("heat_map.html.j2")
        .render(
            svg=Markup(svg),
            as_image=as_image,
            uri=svg_data_uri(svg) if as_image else "",
            narrow_uri=(
                svg_data_uri(heat_map_svg(shown, risks=tuple(risks), narrow=True))
                if narrow and as_image
                else ""
            ),
            alt=heat_map_description(shown, placements),
            rows=rows,
            id_prefix=id_prefix,
        )
    )


def _actions_view(actions: Sequence[Action], on: date) -> list[dict[str, object]]:
    return [
        {
            "a": a,
            "status": _STATUS.get(a.status.value, a.status.value),
            "overdue": a.is_overdue(on),
            "days_overdue": (on - a.due).days if a.is_overdue(on) else 0,
            "slipped": a.slippage_days > 0,
        }
        for a in actions
    ]


def risk_page_html(
    register: BafRegister,
    risk_id: str,
    *,
    review_date: date,
    flags: Sequence[EvidenceFlag] = (),
    metrics: Mapping[str, KeyMetricView] | None = None,
    public: bool = False,
    heading_level: int = 3,
) -> str:
    """One risk's page: description, scores, controls, assurances by line, gaps, actions
    (overdue and slippage shown), key metrics with icons and sparklines, CRR links, history.

    Returns an empty string when ``public`` and the risk is not published.
    """
    shown = _registers(register, public)
    risk = shown.risk(risk_id)
    if risk is None:
        if register.risk(risk_id) is not None:
            return ""
        raise KeyError(f"no BAF risk '{risk_id}' in the register")
    views = metrics or {}
    original = register.risk(risk_id) or risk
    row = _risk_row(risk, shown, visible_flags(original, flags, register, public=public), public)
    lines = [
        {"label": line.label, "items": risk.assurances_by_line(line)} for line in AssuranceLine
    ]
    crr = [
        {
            "c": c,
            "band": shown.scoring.band_for(c.score.score).name,
            "escalated": c.is_escalated(shown.scoring.escalation_threshold),
        }
        for c in risk.crr
    ]
    history = [
        {"e": e, "band": shown.scoring.band_for(e.current.score).name}
        for e in reversed(risk.history)
    ]
    key_metrics = [views.get(m) or KeyMetricView(metric_id=m) for m in risk.key_metrics]
    return (
        _environment()
        .get_template("risk_page.html.j2")
        .render(
            **row,
            h=max(2, min(5, heading_level)),
            lines=lines,
            control_gaps=risk.gaps_of(GapKind.CONTROL),
            assurance_gaps=risk.gaps_of(GapKind.ASSURANCE),
            actions=_actions_view(
                [
                    a
                    for a in risk.actions
                    if a.id not in withheld_action_ids(original, register, public=public)
                ],
                review_date,
            ),
            crr=crr,
            history=history,
            key_metrics=key_metrics,
            escalation=shown.scoring.escalation_threshold,
            review_date=review_date,
        )
    )


def baf_section_html(
    register: BafRegister,
    *,
    review_date: date,
    flags: Sequence[EvidenceFlag] = (),
    metrics: Mapping[str, KeyMetricView] | None = None,
    public: bool = False,
    as_image: bool = False,
    include_style: bool = False,
    risk_pages: bool = True,
) -> str:
    """The whole BAF section for the pack: heat map, risk table, then a page per risk.

    ``risk_pages=False`` gives the summary a Board reads (heat map and risk table; the risk
    pages go to the lead committees).  ``include_style`` puts the ``baf-`` stylesheet in the
    fragment, for a pack that does not carry it already.
    """
    shown = _registers(register, public)
    pages = (
        [
            risk_page_html(
                register,
                r.id,
                review_date=review_date,
                flags=flags,
                metrics=metrics,
                public=public,
            )
            for r in shown.risks
        ]
        if risk_pages
        else []
    )
    return (
        _environment()
        .get_template("section.html.j2")
        .render(
            heat_map=Markup(heat_map_html(register, public=public, as_image=as_image)),
            table=Markup(risk_table_html(register, flags, public=public)),
            pages=[Markup(p) for p in pages if p],
            review_date=review_date,
            trust_name=register.trust_name,
            risk_count=len(shown.risks),
            risk_pages=risk_pages,
            style=Markup(baf_stylesheet()) if include_style else "",
        )
    )
