"""The audit UI in a real browser (headless Chromium): what a person sees, screenshots kept."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_ui import Server, screenshot, wait_for

pytestmark = pytest.mark.slow


def _by_css(driver: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By
    return list(driver.find_elements(By.CSS_SELECTOR, css))


def test_home_lists_demo_documents(browser: Any, ui_server: Server, tmp_path: Path) -> None:
    browser.get(ui_server.base + "/")
    rows = _by_css(browser, "#documents tr.doc-row")
    titles = [r.find_element("css selector", "a.doc-link").text for r in rows]
    assert len(rows) >= 30, titles
    assert any("Foreign Secretary" in t for t in titles)
    assert {"govuk", "mirage", "wiredgov", "independent", "iconic"} <= {
        r.find_elements("css selector", "td")[1].text for r in rows}
    screenshot(browser, tmp_path, "ui-home")
    # a filter narrows the list, through the real form
    browser.get(ui_server.base + "/?kind=copy&site=mirage")
    assert {r.find_elements("css selector", "td")[1].text for r in _by_css(browser, "tr.doc-row")} == {"mirage"}


def test_document_page_shows_clean_text_and_rule_highlights(browser: Any, ui_server: Server,
                                                            tmp_path: Path) -> None:
    browser.get(ui_server.base + "/?site=govuk&q=Foreign+Secretary")
    browser.find_element("css selector", "a.doc-link").click()
    clean = wait_for(lambda: _by_css(browser, "#clean-text p"))
    assert len(clean) >= 5
    text = "\n".join(p.text for p in clean)
    assert "Foreign Secretary" in text and "Cookies on GOV.UK" not in text
    frame = browser.find_element("css selector", "iframe#original")
    assert frame.get_attribute("sandbox") == ""
    screenshot(browser, tmp_path, "ui-document")
    browser.switch_to.frame(frame)
    try:
        marked = wait_for(lambda: _by_css(browser, "[data-rule]"))
        rules = {m.get_attribute("data-rule") for m in marked}
        banner = next((m for m in marked if m.get_attribute("data-rule").endswith(".cookie_banner")),
                      None)
        assert banner is not None, rules
        assert "Cookies on GOV.UK" in banner.get_attribute("textContent")  # the block it cut
        assert not _by_css(browser, "script")
    finally:
        browser.switch_to.default_content()


def test_release_page_shows_copies_and_aligned_paragraphs(browser: Any, ui_server: Server,
                                                          tmp_path: Path) -> None:
    browser.get(ui_server.base + "/?kind=release&q=boosting+security")
    browser.find_element("css selector", "a.tag.release").click()
    copies = wait_for(lambda: _by_css(browser, "#copies tr.copy-row"))
    assert len(copies) >= 3
    outlets = {c.find_elements("css selector", "td")[1].text for c in copies}
    assert {"Wired-Gov", "Mirage News"} <= outlets, outlets
    kinds = {r.get_attribute("data-kind") for r in _by_css(browser, "table.alignment tr[data-kind]")}
    assert {"verbatim", "added"} <= kinds
    screenshot(browser, tmp_path, "ui-release")


def test_site_page_plots_runs(browser: Any, ui_server: Server, demo_store: Path,
                              tmp_path: Path) -> None:
    browser.get(ui_server.base + "/site/govuk")
    assert len(_by_css(browser, "figure.chart svg")) == 4
    runs = _by_css(browser, "#runs tbody tr")
    telemetry = list(demo_store.glob("telemetry/govuk/*/*/*.json"))
    assert len(runs) == (len(telemetry) or len(runs)) and runs  # one row per crawl run
    screenshot(browser, tmp_path, "ui-site")


def test_standard_reg_wall_is_outlined_once(browser: Any, ui_server: Server, tmp_path: Path) -> None:
    """The Evening Standard's reg wall matches twice (the wall and the form inside it) but is
    one removed block: reported once, outlined once, and every block is highlighted."""
    browser.get(ui_server.base + "/?site=standard")
    browser.find_element("css selector", "a.doc-link").click()
    summary = wait_for(lambda: _by_css(browser, "#located-summary"))
    assert summary and summary[0].text.startswith("9 of 9 highlighted"), summary[0].text
    assert not _by_css(browser, "#removals tr.not-located")
    frame = browser.find_element("css selector", "iframe#original")
    browser.switch_to.frame(frame)
    try:
        walls = wait_for(lambda: _by_css(browser, "[data-rule='standard.reg_wall']"))
        assert {w.get_attribute("id") for w in walls} == {"piano-reg-wall"}
    finally:
        browser.switch_to.default_content()
    screenshot(browser, tmp_path, "ui-document-standard")
