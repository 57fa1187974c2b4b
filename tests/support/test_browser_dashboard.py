"""The admin's per-profile dashboard in a real headless Chromium: a support user opens a seeded
profile's page and an empty one's; the screenshots' pixels show bars of each chart's colour in
that chart's area on the first, none on the second. Screenshots go to artifacts/browser/.

Same browser and live server as tests/support/test_browser.py (about 5 s)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC

from editai.charts import PALETTE
from tests.editai.test_admin_dashboard import dashboard_url, seed_dashboard
from tests.support.conftest import make_support_user
from tests.support.test_browser import SHOTS, _log_in, _wait, chrome  # noqa: F401  # chrome: the fixture

pytestmark = pytest.mark.django_db(transaction=True)

# Each chart and the colour of its bars (editai/admin_dashboard.py): costs stack ElevenLabs
# (the first provider, PALETTE[0]) under Gemini.
BAR_COLOURS = {
    "costs": PALETTE[0],
    "renders": PALETTE[2],
    "publications": PALETTE[1],
    "top-clips": PALETTE[0],
}
LEGEND = 24  # CSS px at the top of a chart: the legend's swatches share the bars' colours


@pytest.fixture
def browser(chrome: WebDriver) -> WebDriver:  # noqa: F811  # the imported fixture, used by name
    chrome.delete_all_cookies()
    return chrome


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _bar_pixels(shot: Image.Image, driver: WebDriver, key: str) -> int:
    """Pixels of the chart's bar colour inside its <svg>, below the legend, in the screenshot."""
    svg = driver.find_element(By.CSS_SELECTOR, f"#chart-{key} svg")
    scale = driver.execute_script("return window.devicePixelRatio") or 1
    box = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.x, r.y, r.width, r.height]", svg
    )
    x, y, w, h = (round(v * scale) for v in box)
    area = shot.crop((x, y + LEGEND * scale, x + w, y + h)).convert("RGB")
    want = _rgb(BAR_COLOURS[key])
    return sum(
        count
        for count, pixel in area.getcolors(maxcolors=w * h) or []
        if all(abs(a - b) <= 3 for a, b in zip(pixel, want, strict=True))
    )


def _open(driver: WebDriver, url: str, name: str) -> Image.Image:
    driver.get(url)
    _wait(driver, EC.presence_of_element_located((By.ID, "chart-top-clips")))
    driver.execute_script("window.scrollTo(0, 0)")
    path = SHOTS / name
    driver.save_screenshot(str(path))
    return Image.open(io.BytesIO(path.read_bytes()))


def test_support_staff_see_the_dashboards_charts_drawn_with_data(
    browser: WebDriver, live_server: Any, cast: Any
) -> None:
    seed_dashboard(cast.store_a)
    make_support_user("sam")
    browser.set_window_size(1280, 1800)  # the whole page in one screenshot
    try:
        _log_in(browser, f"{live_server.url}/admin/login/?next=/admin/", "sam")
        _wait(browser, EC.url_to_be(f"{live_server.url}/admin/"))

        full = _open(browser, f"{live_server.url}{dashboard_url(cast.store_a)}", "admin-profile-dashboard.png")
        seeded = {key: _bar_pixels(full, browser, key) for key in BAR_COLOURS}
        empty_shot = _open(
            browser, f"{live_server.url}{dashboard_url(cast.store_b)}", "admin-profile-dashboard-empty.png"
        )
        empty = {key: _bar_pixels(empty_shot, browser, key) for key in BAR_COLOURS}
        no_data = browser.find_elements(By.XPATH, "//*[local-name()='text' and normalize-space()='No data']")
    finally:
        browser.set_window_size(1280, 900)

    assert all(count >= 150 for count in seeded.values()), seeded  # bars, not a stray pixel
    assert empty == dict.fromkeys(BAR_COLOURS, 0), empty
    assert len(no_data) == 4
