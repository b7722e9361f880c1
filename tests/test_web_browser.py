"""Headless Chromium (Debian's, driven by Playwright; no browser download): the home page, a
search, a factor page, the language switch; no console errors; screenshots in tests/output/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from test_web_live import own_server  # noqa: F401  (fixture)

from conftest import require_tool

OUTPUT = Path(__file__).resolve().parent / "output"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser():
    chromium = require_tool("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_home_search_factor_switch_language(own_server, browser, viewport):  # noqa: F811
    OUTPUT.mkdir(exist_ok=True)
    name = "phone" if viewport["width"] < 600 else "desktop"
    context = browser.new_context(
        viewport=viewport, locale="en-US", extra_http_headers={"Accept-Language": "en"}
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    page.goto(own_server)
    assert page.locator("html").get_attribute("lang") == "en"
    assert int(page.locator("#count-factors").inner_text().replace(",", "")) > 40

    page.locator("#home-search input[name=q]").fill("natural gas")
    page.locator("#home-search button").click()
    page.wait_for_url("**/search?q=natural+gas")
    hits = page.locator(".hits a.hit")
    assert hits.count() >= 2
    page.locator("#facet-gas a", has_text="Carbon dioxide").first.click()
    page.wait_for_url("**gas=CO2**")

    page.locator(".hits a.hit", has_text="revised").first.click()
    page.wait_for_url("**/factor/ipcc2006-t2.2-natural-gas/2.html")
    assert "Natural Gas" in page.locator("h1").inner_text()
    assert "kilogram per terajoule" in page.locator("#value").inner_text()
    assert "IPCC AR6 GWP100" not in page.locator("#gases").inner_text()
    page.screenshot(path=str(OUTPUT / f"factor-en-{name}.png"), full_page=True)

    page.locator("#lang-switch").click()
    page.wait_for_url("**lang=zh**")
    assert page.locator("html").get_attribute("lang") == "zh"
    assert "天然气" in page.locator("h1").inner_text()
    assert "按气体分列" in page.locator("#gases").inner_text()
    page.screenshot(path=str(OUTPUT / f"factor-zh-{name}.png"), full_page=True)

    # the old version says it is superseded, in Chinese now (the cookie keeps the language)
    page.goto(own_server + "factor/ipcc2006-t2.2-natural-gas/1")
    assert "已被替代" in page.locator("#superseded").inner_text()
    page.goto(own_server + "ontology")
    assert page.locator("#EmissionFactor").count() == 1

    assert problems == []
    context.close()
