"""The BAF heat map: a 5×5 likelihood × consequence grid drawn as SVG (pure, deterministic).

Each cell is coloured by the trust's grading band; each risk's id is written in the cell of its
current score, with an arrow from the cell it held at the previous review.  Colour is never the
only signal: ids and scores are written in the cells, band names in the legend, and the whole
picture is described in ``<title>``/``<desc>`` (``role="img"``), with a data table beside it.

The pack's drawing is 744 units wide, with the scheme's likelihood and consequence names on the
axes and the legend to the right.  The narrow drawing (``narrow=True``, for phones on the web)
shows the same data 356 units wide: axes labelled L1–L5 and C1–C5 only, the legend below the
grid, larger text, and at most three lines of ids in a cell.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from html import escape

from trustboard.domain.baf import BafRegister, BafRisk, RiskScore, ScoringScheme

__all__ = [
    "HeatMapPlacement",
    "heat_map_description",
    "heat_map_placements",
    "heat_map_svg",
    "svg_data_uri",
]

_CELL = 76.0
_LEFT = 150.0
_TOP = 40.0
_GRID = 5 * _CELL
_BOTTOM = 70.0
_LEGEND_X = _LEFT + _GRID + 24.0
_WIDTH = _LEGEND_X + 190.0
_HEIGHT = _TOP + _GRID + _BOTTOM
_LINE = 13.0
_MAX_LINES = 4
#: the narrow drawing's geometry and text sizes
_N_CELL = 60.0
_N_LEFT = 44.0
_N_TOP = 12.0
_N_GRID = 5 * _N_CELL
_N_WIDTH = _N_LEFT + _N_GRID + 12.0
_N_LEGEND_Y = _N_TOP + _N_GRID + 60.0
_N_BAND_ROW = 24.0
_TEXT = "#212B32"
_ARROW = "#212B32"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the grid sits and how large its text is (the pack's drawing or the narrow one)."""

    cell: float
    left: float
    top: float
    line: float
    max_lines: int
    id_size: int
    score_size: int
    narrow: bool

    @property
    def grid(self) -> float:
        return 5 * self.cell


_WIDE = _Layout(_CELL, _LEFT, _TOP, _LINE, _MAX_LINES, 11, 9, narrow=False)
_NARROW = _Layout(_N_CELL, _N_LEFT, _N_TOP, 15.0, 3, 13, 11, narrow=True)


@dataclass(frozen=True, slots=True)
class HeatMapPlacement:
    """Where one risk sits: its current position and the position at the previous review."""

    risk_id: str
    title: str
    current: RiskScore
    previous: RiskScore | None

    @property
    def moved(self) -> bool:
        """Whether the cell changed since the previous review."""
        return self.previous is not None and (
            self.previous.likelihood,
            self.previous.consequence,
        ) != (self.current.likelihood, self.current.consequence)


def heat_map_placements(risks: tuple[BafRisk, ...] | list[BafRisk]) -> list[HeatMapPlacement]:
    """Each risk's current cell and its cell at the previous review (from the history)."""
    out = []
    for risk in risks:
        before = risk.previous_review
        out.append(
            HeatMapPlacement(
                risk.id, risk.title, risk.current, before.current if before is not None else None
            )
        )
    return out


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _centre(score: RiskScore, lay: _Layout = _WIDE) -> tuple[float, float]:
    x = lay.left + (score.consequence - 0.5) * lay.cell
    y = lay.top + (5 - score.likelihood + 0.5) * lay.cell
    return x, y


def heat_map_description(register: BafRegister, placements: list[HeatMapPlacement]) -> str:
    """A plain-language account of the picture (the SVG's ``<desc>``, and alt text)."""
    scheme = register.scoring
    if not placements:
        return "No risks to show on the 5 by 5 likelihood and consequence matrix."
    parts = [f"{len(placements)} risks on the 5 by 5 likelihood and consequence matrix."]
    for p in placements:
        band = scheme.band_for(p.current.score).name
        text = (
            f"{p.risk_id} {p.title}: likelihood {p.current.likelihood} "
            f"({scheme.likelihood_label(p.current.likelihood)}), consequence "
            f"{p.current.consequence} ({scheme.consequence_label(p.current.consequence)}), "
            f"score {p.current.score}, {band}"
        )
        if p.previous is not None and p.previous.score != p.current.score:
            text += f"; {p.previous.score} at the previous review"
        elif p.moved and p.previous is not None:
            text += "; same score, different cell at the previous review"
        elif p.previous is not None:
            text += "; unchanged since the previous review"
        parts.append(text + ".")
    return " ".join(parts)


def _cells(scheme: ScoringScheme, lay: _Layout = _WIDE) -> list[str]:
    out = []
    for likelihood in range(5, 0, -1):
        for consequence in range(1, 6):
            score = likelihood * consequence
            band = scheme.band_for(score)
            x = lay.left + (consequence - 1) * lay.cell
            y = lay.top + (5 - likelihood) * lay.cell
            out.append(
                f'<rect class="baf-cell baf-band-{band.css_name}" x="{_num(x)}" y="{_num(y)}" '
                f'width="{_num(lay.cell)}" height="{_num(lay.cell)}" fill="{band.colour}" '
                f'fill-opacity="0.45" stroke="#FFFFFF" stroke-width="2"/>'
            )
            out.append(
                f'<text x="{_num(x + lay.cell - 5)}" y="{_num(y + lay.score_size + 3)}" '
                f'text-anchor="end" font-size="{lay.score_size}" fill="{_TEXT}" '
                f'fill-opacity="0.75">{score}</text>'
            )
    return out


def _narrow_axes() -> list[str]:
    lay = _NARROW
    out = []
    for likelihood in range(1, 6):
        y = lay.top + (5 - likelihood + 0.5) * lay.cell
        out.append(
            f'<text x="{_num(lay.left - 6)}" y="{_num(y + 5)}" text-anchor="end" font-size="13" '
            f'fill="{_TEXT}">L{likelihood}</text>'
        )
    for consequence in range(1, 6):
        x = lay.left + (consequence - 0.5) * lay.cell
        out.append(
            f'<text x="{_num(x)}" y="{_num(lay.top + lay.grid + 18)}" text-anchor="middle" '
            f'font-size="13" fill="{_TEXT}">C{consequence}</text>'
        )
    out.append(
        f'<text x="{_num(lay.left + lay.grid / 2)}" y="{_num(lay.top + lay.grid + 40)}" '
        f'text-anchor="middle" font-size="14" font-weight="bold" fill="{_TEXT}">Consequence</text>'
    )
    cy = lay.top + lay.grid / 2
    out.append(
        f'<text x="14" y="{_num(cy)}" text-anchor="middle" font-size="14" font-weight="bold" '
        f'fill="{_TEXT}" transform="rotate(-90 14 {_num(cy)})">Likelihood</text>'
    )
    return out


def _axes(scheme: ScoringScheme) -> list[str]:
    out = []
    for likelihood in range(1, 6):
        y = _TOP + (5 - likelihood + 0.5) * _CELL
        label = escape(scheme.likelihood_label(likelihood))
        out.append(
            f'<text x="{_num(_LEFT - 8)}" y="{_num(y - 3)}" text-anchor="end" font-size="11" '
            f'fill="{_TEXT}">{label}</text>'
        )
        out.append(
            f'<text x="{_num(_LEFT - 8)}" y="{_num(y + 10)}" text-anchor="end" font-size="10" '
            f'fill="{_TEXT}">L{likelihood}</text>'
        )
    for consequence in range(1, 6):
        x = _LEFT + (consequence - 0.5) * _CELL
        label = escape(scheme.consequence_label(consequence))
        out.append(
            f'<text x="{_num(x)}" y="{_num(_TOP + _GRID + 16)}" text-anchor="middle" '
            f'font-size="11" fill="{_TEXT}">{label}</text>'
        )
        out.append(
            f'<text x="{_num(x)}" y="{_num(_TOP + _GRID + 29)}" text-anchor="middle" '
            f'font-size="10" fill="{_TEXT}">C{consequence}</text>'
        )
    out.append(
        f'<text x="{_num(_LEFT + _GRID / 2)}" y="{_num(_TOP + _GRID + 50)}" text-anchor="middle" '
        f'font-size="12" font-weight="bold" fill="{_TEXT}">Consequence</text>'
    )
    cy = _TOP + _GRID / 2
    out.append(
        f'<text x="16" y="{_num(cy)}" text-anchor="middle" font-size="12" font-weight="bold" '
        f'fill="{_TEXT}" transform="rotate(-90 16 {_num(cy)})">Likelihood</text>'
    )
    return out


def _arrows(placements: list[HeatMapPlacement], marker: str, lay: _Layout = _WIDE) -> list[str]:
    out = []
    for p in placements:
        if not p.moved or p.previous is None:
            continue
        (x1, y1), (x2, y2) = _centre(p.previous, lay), _centre(p.current, lay)
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        # stop short of the cell centres so the arrow does not cover the ids written there
        trim = min(lay.cell * 0.3, length / 3)
        ux, uy = dx / length, dy / length
        out.append(
            f'<line class="baf-move" x1="{_num(x1 + ux * trim)}" y1="{_num(y1 + uy * trim)}" '
            f'x2="{_num(x2 - ux * trim)}" y2="{_num(y2 - uy * trim)}" stroke="{_ARROW}" '
            f'stroke-width="1.5" stroke-dasharray="4 2" marker-end="url(#{marker})"/>'
        )
    return out


def _labels(placements: list[HeatMapPlacement], lay: _Layout = _WIDE) -> list[str]:
    by_cell: dict[tuple[int, int], list[str]] = {}
    for p in placements:
        by_cell.setdefault((p.current.likelihood, p.current.consequence), []).append(p.risk_id)
    out = []
    for (likelihood, consequence), ids in sorted(by_cell.items()):
        x, y = _centre(RiskScore(likelihood=likelihood, consequence=consequence), lay)
        most = lay.max_lines
        more = f"+{len(ids) - most + 1}" + ("" if lay.narrow else " more")
        shown = ids if len(ids) <= most else [*ids[: most - 1], more]
        top = y - (len(shown) - 1) * lay.line / 2 + (9 if lay.narrow else 4)
        for i, text in enumerate(shown):
            out.append(
                f'<text class="baf-risk-id" x="{_num(x)}" y="{_num(top + i * lay.line)}" '
                f'text-anchor="middle" font-size="{lay.id_size}" font-weight="bold" '
                f'fill="{_TEXT}">{escape(text)}</text>'
            )
    return out


def _legend(scheme: ScoringScheme, marker: str) -> list[str]:
    out = [
        f'<text x="{_num(_LEGEND_X)}" y="{_num(_TOP + 4)}" font-size="12" font-weight="bold" '
        f'fill="{_TEXT}">Grading band</text>'
    ]
    y = _TOP + 16
    for band in sorted(scheme.bands, key=lambda b: -b.low):
        out.append(
            f'<rect x="{_num(_LEGEND_X)}" y="{_num(y)}" width="18" height="14" '
            f'fill="{band.colour}" '
            f'fill-opacity="0.45" stroke="{_TEXT}" stroke-width="0.5"/>'
        )
        out.append(
            f'<text x="{_num(_LEGEND_X + 26)}" y="{_num(y + 11)}" font-size="11" fill="{_TEXT}">'
            f"{escape(band.name)} ({band.low}–{band.high})</text>"
        )
        y += 22
    y += 8
    out.append(
        f'<line x1="{_num(_LEGEND_X)}" y1="{_num(y + 7)}" '
        f'x2="{_num(_LEGEND_X + 20)}" y2="{_num(y + 7)}" '
        f'stroke="{_ARROW}" stroke-width="1.5" stroke-dasharray="4 2" marker-end="url(#{marker})"/>'
    )
    out.append(
        f'<text x="{_num(_LEGEND_X + 26)}" y="{_num(y + 11)}" font-size="11" fill="{_TEXT}">'
        "Moved since the</text>"
    )
    out.append(
        f'<text x="{_num(_LEGEND_X + 26)}" y="{_num(y + 24)}" font-size="11" fill="{_TEXT}">'
        "previous review</text>"
    )
    return out


def _narrow_legend(scheme: ScoringScheme, marker: str) -> list[str]:
    x = _N_LEFT
    out = [
        f'<text x="{_num(x)}" y="{_num(_N_LEGEND_Y)}" font-size="14" font-weight="bold" '
        f'fill="{_TEXT}">Grading band</text>'
    ]
    y = _N_LEGEND_Y + 10
    for band in sorted(scheme.bands, key=lambda b: -b.low):
        out.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="20" height="16" fill="{band.colour}" '
            f'fill-opacity="0.45" stroke="{_TEXT}" stroke-width="0.5"/>'
        )
        out.append(
            f'<text x="{_num(x + 28)}" y="{_num(y + 13)}" font-size="13" fill="{_TEXT}">'
            f"{escape(band.name)} ({band.low}–{band.high})</text>"
        )
        y += _N_BAND_ROW
    y += 6
    out.append(
        f'<line x1="{_num(x)}" y1="{_num(y + 8)}" x2="{_num(x + 20)}" y2="{_num(y + 8)}" '
        f'stroke="{_ARROW}" stroke-width="1.5" stroke-dasharray="4 2" marker-end="url(#{marker})"/>'
    )
    out.append(
        f'<text x="{_num(x + 28)}" y="{_num(y + 13)}" font-size="13" fill="{_TEXT}">'
        "Moved since the previous review</text>"
    )
    return out


def _narrow_height(scheme: ScoringScheme) -> float:
    return _N_LEGEND_Y + 10 + len(scheme.bands) * _N_BAND_ROW + 6 + 26


def heat_map_svg(
    register: BafRegister,
    *,
    risks: tuple[BafRisk, ...] | None = None,
    title: str = "Board Assurance Framework heat map: current risk scores",
    id_prefix: str = "baf-heat-map",
    narrow: bool = False,
) -> str:
    """The heat map of ``risks`` (default: every risk of ``register``) as an SVG document:
    the pack's drawing, or with ``narrow`` the same data drawn for a phone's width."""
    chosen = register.risks if risks is None else risks
    placements = heat_map_placements(list(chosen))
    prefix = _UNSAFE.sub("-", id_prefix) or "baf-heat-map"
    marker = f"{prefix}-arrow"
    description = heat_map_description(register, placements)
    scheme = register.scoring
    if narrow:
        width, height = _N_WIDTH, _narrow_height(scheme)
        drawing = [
            *_cells(scheme, _NARROW),
            *_narrow_axes(),
            *_arrows(placements, marker, _NARROW),
            *_labels(placements, _NARROW),
            *_narrow_legend(scheme, marker),
        ]
    else:
        width, height = _WIDTH, _HEIGHT
        drawing = [
            *_cells(scheme),
            *_axes(scheme),
            *_arrows(placements, marker),
            *_labels(placements),
            *_legend(scheme, marker),
        ]
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="baf-heat-map" role="img" '
        f'width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" '
        'font-family="Arial, Helvetica, sans-serif">',
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(description)}</desc>',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0 0 L10 5 L0 10 z" fill="{_ARROW}"/>'
        "</marker></defs>",
        *drawing,
        "</svg>",
    ]
    return "\n".join(body) + "\n"


def svg_data_uri(svg: str) -> str:
    """``svg`` as a ``data:`` URI, for ``<img alt>`` where a PDF needs alternative text."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
