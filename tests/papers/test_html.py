"""The pack's navigation put into a page trustboard rendered on its own (the report)."""

from __future__ import annotations

from trustboard.render.papers import NavLink, PackNav, with_pack_nav, without_own_page_numbers

REPORT = '<html><head><style>x</style></head><body>\n<div class="page-width">\n<h1>R</h1>'


def test_the_navigation_opens_the_page() -> None:
    nav = PackNav("index.html", NavLink("item-04.html", "TB/25/051"), None)
    html = with_pack_nav(REPORT, nav)
    start = html.index('<div class="page-width">')
    assert html.index('<nav class="pack-nav"', start) < html.index("<h1>R</h1>")
    assert '<a href="item-04.html" rel="prev">Previous: TB/25/051</a>' in html
    assert 'rel="next"' not in html


def test_the_reports_own_page_numbers_give_way_to_the_packs() -> None:
    html = without_own_page_numbers(REPORT)
    assert html.index("@bottom-right { content: none; }") < html.index("</head>")
