"""The pages a person reads, in headless Chromium at desktop and phone widths, in English and Chinese:
the home page (what the registry is, how to query and cite, recent releases, publishers), a dataset
page (factor count, a paged factor list, downloads, publisher and review history) and search results
(value, unit, gas, year, place; "1 result"). No page scrolls sideways on a phone; Chinese text is
drawn with a CJK font (not boxes)."""

from __future__ import annotations

import csv
import importlib.util
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from test_web_browser import browser  # noqa: F401  (fixture)

from registry.config import Settings
from registry.publishing.tokens import create_token, ensure_publisher
from registry.store import open_store

from conftest import DATA, free_port, serving

OUTPUT = Path(__file__).resolve().parent / "output"
_spec = importlib.util.spec_from_file_location("publishing_factors", DATA / "publishing" / "factors.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
factors = _module.factors

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def registry() -> Iterator[str]:
    """The seeds plus one dataset of 60 factors published through the workflow (uploaded by ACME,
    submitted, approved by a reviewer of efreg), served at the base URI its IRIs use."""
    from registry.ingest.seeds import load_seeds
    from registry.store.meta import ensure_base_uri
    from registry.web import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    store = open_store("memory:")
    ensure_base_uri(store, base)
    load_seeds(store, base)
    ensure_publisher(store, base, "acme", "ACME Energy")
    acme = {"Authorization": "Bearer " + create_token(store, "acme", "publisher")}
    reviewer = {"Authorization": "Bearer " + create_token(store, "efreg", "reviewer")}
    app = create_app(Settings(store="memory:", base_uri=base, load_seeds=False), store=store)
    with serving(app, port) as url:
        r = requests.post(
            f"{url}api/datasets/acme-fuels/versions",
            data=factors("acme-fuels", 1, "acme", range(60)).encode("utf-8"),
            headers={**acme, "Content-Type": "text/turtle"},
            timeout=120,
        )
        assert r.status_code == 201, r.text
        assert requests.post(f"{url}api/datasets/acme-fuels/versions/1/submit", headers=acme, timeout=60).ok
        r = requests.post(
            f"{url}api/datasets/acme-fuels/versions/1/approve",
            json={"comment": "checked against the source"},
            headers=reviewer,
            timeout=60,
        )
        assert r.ok, r.text
        yield url
    store.close()


def open_page(browser, viewport: str, language: str):  # noqa: F811
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale="zh-CN" if language == "zh" else "en-US",
        extra_http_headers={"Accept-Language": "zh-CN" if language == "zh" else "en"},
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return page, problems


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window ({page.url})"


def cjk_font_draws(page) -> bool:
    """Whether the page's font draws Chinese: '排放' drawn on a canvas in the body's font differs from
    a private-use character (which every font lacks: a box, as a missing CJK font would draw)."""
    return page.evaluate(
        """() => {
        const font = '24px ' + getComputedStyle(document.body).fontFamily;
        const draw = (text) => { const c = document.createElement('canvas'); c.width = 80; c.height = 40;
          const x = c.getContext('2d'); x.font = font; x.fillText(text, 4, 30);
          return x.getImageData(0, 0, 80, 40).data.join(','); };
        return draw('排放') !== draw('\\uE000\\uE000') && draw('排放') !== draw('');
    }"""
    )


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_home_dataset_and_search_pages(registry, browser, viewport, language):  # noqa: F811
    OUTPUT.mkdir(exist_ok=True)
    page, problems = open_page(browser, viewport, language)
    zh = language == "zh"

    page.goto(registry)
    assert page.locator("html").get_attribute("lang") == language
    about = page.locator("#about").inner_text()
    assert (
        ("排放因子登记库" in about) if zh else ("open registry of greenhouse-gas emission factors" in about)
    )
    assert page.locator("#how-query pre").inner_text().startswith("curl")
    assert registry + "sparql" in page.locator("#how-query").inner_text()
    assert "URI" in page.locator("#how-cite").inner_text()
    recent = page.locator("#recent li")
    assert recent.count() >= 3
    assert ("60 个排放因子" if zh else "60 factors") in recent.first.inner_text()  # the newest release first
    assert "ACME Energy" in recent.first.inner_text()
    publishers = page.locator("#publishers").inner_text()
    assert "ACME Energy" in publishers and ("政府间气候变化专门委员会" if zh else "IPCC") in publishers
    no_sideways_scroll(page)
    if zh:
        assert cjk_font_draws(page), "Chinese text is drawn without a CJK font"
    page.screenshot(path=str(OUTPUT / f"home-{language}-{viewport}.png"), full_page=True)

    # a dataset page: count, a page of factors, downloads, the review history
    page.locator("#recent li a", has_text="acme-fuels").first.click()
    page.wait_for_url("**/dataset/acme-fuels/1**")
    assert page.locator("#factor-count").inner_text() == ("60 个排放因子" if zh else "60 factors")
    rows = page.locator("#factors table.factors tbody tr")
    assert rows.count() == 50
    first = rows.first.inner_text()
    assert (
        "50,000" in first
        and ("千克/太焦 二氧化碳" if zh else "kilogram per terajoule Carbon dioxide") in first
    )
    assert "1000" in first  # the reference year
    assert ("全球" in first) if zh else ("World" in first)
    history = page.locator("#history li")
    assert history.count() == 3
    text = page.locator("#history").inner_text()
    assert "ACME Energy" in text and "checked against the source" in text
    assert ("审核通过并发布" if zh else "approved and published") in text
    downloads = {a.get_attribute("href") for a in page.locator("#downloads a").all()}
    assert downloads == {"/dumps/dataset/acme-fuels/1.nq.gz", "/dumps/dataset/acme-fuels/1.csv"}
    no_sideways_scroll(page)
    page.screenshot(path=str(OUTPUT / f"dataset-{language}-{viewport}.png"), full_page=True)
    page.locator("#factors a[rel=next]").click()
    page.wait_for_url("**page=2**")
    assert page.locator("#factors table.factors tbody tr").count() == 10

    # search results say value, unit, gas, year and place, and count in good grammar
    page.goto(registry + "search?q=peat")
    assert page.locator("#total").inner_text() == ("1 条结果" if zh else "1 result")
    hit = page.locator(".hits tbody tr").first.inner_text()
    assert "106,000" in hit and "2006" in hit
    assert ("二氧化碳" in hit and "全球" in hit) if zh else ("Carbon dioxide" in hit and "World" in hit)
    page.goto(registry + "search?gas=CO2")
    assert page.locator("#total").inner_text() == ("101 条结果" if zh else "101 results")
    no_sideways_scroll(page)
    page.screenshot(path=str(OUTPUT / f"search-{language}-{viewport}.png"), full_page=True)
    assert not problems, problems


def test_the_dataset_downloads_work(registry):
    r = requests.get(registry + "dumps/dataset/acme-fuels/1.csv", timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 60
    assert {row["value"] for row in rows} == {str(50000 + i) for i in range(60)}  # lexical forms kept
    assert rows[0]["gas_or_gwp_set"] == registry + "gas/CO2" and rows[0]["year"].startswith("10")
    r = requests.get(registry + "dumps/dataset/acme-fuels/1.nq.gz", timeout=60)
    assert r.status_code == 200 and r.content[:2] == b"\x1f\x8b"
    assert requests.get(registry + "dumps/dataset/nothing/1.csv", timeout=60).status_code == 404
