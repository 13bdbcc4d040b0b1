"""The HTML report opens in real Chromium with the network blocked, every chart drawn; a screenshot is kept."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from bridges.assess import assess_targets, build_report, database_target, write_reports
from bridges.assess.across import across_systems
from bridges.core.crosswalk import Crosswalk
from fixtures.linkage import custmast_records, helpdesk_records
from fixtures.orders.load_sqlite import build_sqlite
from fixtures.world import CROSSWALK_PATH
from tests.rdbms.databases import need_driver
from web_scrape.launch import DEFAULT_CHROMIUM_ARGS
from web_scrape.testing import need_chromium

pytestmark = pytest.mark.live

SCREENSHOTS = Path(os.environ.get("ASSESS_SCREENSHOTS", Path(__file__).resolve().parents[3] / "var" / "screenshots"))
"""Where the report's screenshot is kept (a test artifact CI can collect)."""


def test_every_chart_renders_offline(tmp_path):
    chromium = need_chromium()
    need_driver("SQLite3")
    db = build_sqlite(tmp_path / "orders.sqlite")
    systems = assess_targets(
        [database_target(f"Driver=SQLite3;Database={db}", "sqlite", tables="VCUSMST,VORDHDR")],
        sample_rows=300,
        as_of=dt.date(2025, 6, 30),
    )
    across = across_systems(
        {"custmast": custmast_records(), "helpdesk": helpdesk_records()}, Crosswalk.load(CROSSWALK_PATH)
    )
    systems[0]["walk"] = {"response_ms": {"p50": 1.0, "p95": 4.0, "max": 9.0}}  # as a host's walk reports it
    _, _, page = write_reports(build_report(systems, as_of=dt.date(2025, 6, 30), across=across), tmp_path / "out")
    from playwright.sync_api import sync_playwright

    asked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(DEFAULT_CHROMIUM_ARGS))
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})

            def block(route):  # anything but the file itself is refused: the page must need nothing
                asked.append(route.request.url)
                route.abort()

            context.route(lambda url: not url.startswith("file://"), block)
            tab = context.new_page()
            tab.goto(page.as_uri())
            charts = tab.locator("figure.chart")
            names = [charts.nth(i).get_attribute("data-chart") for i in range(charts.count())]
            assert names == ["preparation", "distributions", "null-rates", "freshness", "response-times", "overlap"]
            for i in range(charts.count()):
                box = charts.nth(i).locator("svg").bounding_box()
                assert box and box["width"] > 200 and box["height"] > 80, names[i]
                assert charts.nth(i).locator("svg rect, svg path").count() > 5, names[i]  # bars drawn
            assert tab.locator("table").count() >= 4
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / "assessment.png"
            tab.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
    assert asked == []
