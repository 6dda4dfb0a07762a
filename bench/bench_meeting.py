"""Benchmark: build a 300-page meeting pack (15 Markdown papers and 3 supplied PDFs).

Each Markdown paper has the trust's four sections, a table and a figure, and runs to about
twelve pages; each supplied PDF has 40 pages with bookmarks of its own.  The pack is built by
``build_meeting`` as ``trustboard meeting build`` does (every paper checked, laid out, assembled,
page numbers stamped, outline built).  Target of the issue: ≤ 30 s on the project's 2-core
machine.  Wall-clock and CPU seconds are printed with the load average (the machine is shared;
the CPU time is the steadier figure).

    .venv/bin/python bench/bench_meeting.py [--papers 15] [--sections 12] [--supplied 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import yaml
from pypdf import PdfReader, PdfWriter

from trustboard.services.meeting_pack import build_meeting

_FIELDS = {
    "date_submitted": "2025-01-20",
    "sponsor": {"name": "Amara Osei", "role": "Chief Executive"},
    "author": {"name": "Tom Reid", "role": "Head of Strategy"},
    "assurance_offered": "partially assured",
    "strategic_goals": ["Great Care"],
    "risk_appetite": {"consistent": True},
    "fomi": "Figures come from the trust's validated reports.",
    "patient_safety_confirmed": True,
    "equality": "No new impact on any group.",
    "decision_required": "The Board is asked to note the report.",
}

_FIGURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120">'
    '<rect x="10" y="20" width="60" height="100" fill="#005eb8"/>'
    '<rect x="90" y="50" width="60" height="70" fill="#005eb8"/></svg>'
)

_PARAGRAPH = (
    "The service saw more referrals than planned this quarter, and the teams took on people "
    "with more complex needs after discharge from hospital. The recovery plan sets out the "
    "extra capacity, who is responsible for it and when each step is due; the committee will "
    "review progress at each meeting until the waiting list is back within the standard.\n\n"
)


def _body(sections: int) -> str:
    """A paper under the trust's four sections, its analysis in ``sections`` parts (each about
    a page: three paragraphs and a table of twelve rows)."""
    rows = "".join(f"| Team {i} | {100 + i} | {90 + i} |\n" for i in range(12))
    analysis = "".join(
        f"## Area {n}\n\n{_PARAGRAPH * 3}| Team | Plan | Actual |\n|---|--:|--:|\n{rows}\n"
        + ("![Bar chart of referrals against plan](figure.svg)\n\n" if n == 1 else "")
        for n in range(1, sections + 1)
    )
    return (
        f"# Purpose of the Report\n\n{_PARAGRAPH}# Analysis of the Issue\n\n{analysis}"
        f"# Proposal\n\n{_PARAGRAPH}# Decision Required\n\nThe Board is asked to note the report.\n"
    )


def _supplied(path: Path, pages: int) -> None:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    for start in range(0, pages, 10):
        section = writer.add_outline_item(title=f"Section {start // 10 + 1}", page_number=start)
        writer.add_outline_item(title="Detail", page_number=start + 1, parent=section)
    with path.open("wb") as out:
        writer.write(out)


def _meeting(folder: Path, papers: int, sections: int, supplied: int) -> Path:
    (folder / "figure.svg").write_text(_FIGURE, encoding="utf-8")
    body = _body(sections)
    items = []
    for n in range(papers):
        name = f"paper-{n + 1:02d}.md"
        front = yaml.safe_dump(_FIELDS, sort_keys=False)
        (folder / name).write_text(f"---\n{front}---\n{body}", encoding="utf-8")
        items.append(
            {
                "number": f"TB/25/{n + 1:03d}",
                "title": f"Paper {n + 1}",
                "presenter": "Chief Executive",
                "purpose": "note",
                "paper": name,
            }
        )
    for n in range(supplied):
        name = f"supplied-{n + 1}.pdf"
        _supplied(folder / name, 40)
        items.insert(
            (n + 1) * 5,
            {
                "number": f"TB/25/{100 + n:03d}",
                "title": f"Supplied report {n + 1}",
                "presenter": "Director of Finance",
                "purpose": "assure",
                "paper": name,
            },
        )
    agenda = {
        "meeting": {
            "forum": "BOARD",
            "name": "Trust Board",
            "date": "2025-01-28",
            "time": "09:30",
            "part": "private",
        },
        "items": items,
    }
    path = folder / "agenda.yaml"
    path.write_text(yaml.safe_dump(agenda, sort_keys=False), encoding="utf-8")
    return path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=15)
    parser.add_argument(
        "--sections",
        type=int,
        default=12,
        help="analysis sections per paper (about 1.1 pages each)",
    )
    parser.add_argument("--supplied", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        agenda = _meeting(folder, args.papers, args.sections, args.supplied)
        load = os.getloadavg()
        wall, cpu = time.perf_counter(), _cpu()
        built = build_meeting(agenda, folder / "out")
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        pack = built.packs[0]
        pages = len(PdfReader(pack.pdf_path).pages)
        print(
            f"meeting pack: {args.papers} papers + {args.supplied} supplied PDFs, {pages} pages "
            f"({pack.pdf_path.stat().st_size / 1e6:.1f} MB)"
        )
        print(f"build: {wall:.1f} s wall, {cpu:.1f} s CPU (target <= 30 s)")
        print(f"load average before the run: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")


if __name__ == "__main__":
    main()
