"""In a real headless Chromium, against a live server: a support user filters jobs by profile in
the admin and retries one; a store operator logs into the browsable API, switches profile with
?profile= and creates a project through the HTML form. Screenshots go to artifacts/browser/.

Needs Debian's chromium and chromium-driver (`scripts/setup.sh --with-browser`, run by `make test`)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from library.models import Job, JobStatus, Project
from profiles.tenancy import profile_scope
from tests.conftest import PASSWORD
from tests.support.conftest import make_support_user

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = Path(settings.BASE_DIR) / "artifacts" / "browser"
# Headless, and quiet: no first-run UI, no calls home, no component updates.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US",
)  # fmt: skip


@pytest.fixture(scope="module")
def chrome() -> Iterator[WebDriver]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Chromium is missing: run `scripts/setup.sh --with-browser` (make test does)")
    profile_dir = tempfile.mkdtemp(prefix="editai-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager never goes looking for one online.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)


@pytest.fixture
def browser(chrome: WebDriver) -> WebDriver:
    chrome.delete_all_cookies()
    return chrome


def _wait(driver: WebDriver, condition: Any) -> Any:
    return WebDriverWait(driver, 15).until(condition)


def _log_in(driver: WebDriver, url: str, username: str) -> None:
    driver.get(url)
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form [type=submit]").click()


def test_support_staff_filter_jobs_by_profile_and_retry_one(browser: WebDriver, live_server: Any, cast: Any) -> None:
    make_support_user("sam")
    with profile_scope(cast.store_a):
        alices = Job.objects.create(kind="render", status=JobStatus.FAILED, error="ffmpeg exited with 1")
    with profile_scope(cast.bob_store):
        bobs = Job.objects.create(kind="trim", status=JobStatus.FAILED, error="ffmpeg exited with 1")

    _log_in(browser, f"{live_server.url}/admin/login/?next=/admin/library/job/", "sam")
    _wait(browser, EC.url_to_be(f"{live_server.url}/admin/library/job/"))
    assert str(alices.pk) in browser.page_source and str(bobs.pk) in browser.page_source

    browser.find_element(By.ID, "changelist-filter").find_element(By.LINK_TEXT, "Bob's store (bob)").click()
    _wait(browser, EC.url_contains(f"profile__id__exact={cast.bob_store.pk}"))
    assert str(bobs.pk) in browser.page_source and str(alices.pk) not in browser.page_source
    browser.save_screenshot(str(SHOTS / "admin-jobs-filtered-by-profile.png"))

    browser.find_element(By.CSS_SELECTOR, f"input[name=_selected_action][value='{bobs.pk}']").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("retry_jobs")
    browser.find_element(By.NAME, "index").click()
    message = _wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li")))
    assert message.text.startswith("Retried 1 job(s)")
    browser.save_screenshot(str(SHOTS / "admin-job-retried.png"))
    assert Job.all_objects.get(pk=bobs.pk).status == JobStatus.QUEUED
    assert Job.all_objects.get(pk=alices.pk).status == JobStatus.FAILED


def test_a_store_operator_switches_profile_and_creates_a_project_in_the_browsable_api(
    browser: WebDriver, live_server: Any, cast: Any
) -> None:
    with profile_scope(cast.store_a):
        Project.objects.create(name="Store A's summer sale")
    projects = f"{live_server.url}/api/v1/library/projects/"

    _log_in(browser, f"{live_server.url}/api-auth/login/?next=/api/v1/library/projects/", "alice")
    _wait(browser, EC.url_to_be(projects))
    assert "Store A's summer sale" in browser.find_element(By.CSS_SELECTOR, ".response-info").text
    browser.save_screenshot(str(SHOTS / "api-projects-store-a.png"))

    browser.get(f"{projects}?profile={cast.store_b.pk}")
    assert "summer sale" not in browser.page_source  # Store B sees none of Store A's projects
    form = browser.find_element(By.CSS_SELECTOR, "#post-object-form form")
    form.find_element(By.NAME, "name").send_keys("Spring launch")
    form.find_element(By.NAME, "description").send_keys("Made in a browser")
    browser.save_screenshot(str(SHOTS / "api-projects-store-b-form.png"))
    form.find_element(By.CSS_SELECTOR, "button.btn-primary").click()
    _wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".response-info"), "HTTP 201 Created"))
    browser.save_screenshot(str(SHOTS / "api-project-created.png"))

    created = Project.all_objects.get(name="Spring launch")
    assert created.profile_id == cast.store_b.pk and created.description == "Made in a browser"
    assert not Project.all_objects.filter(profile=cast.store_a, name="Spring launch").exists()
