"""The Gradio UI in a real headless browser (Debian's chromium, driven by Playwright), against the real
Serve app of the session: screen two resumes against a job and see them ranked; screen an uploaded one and
see the upload deleted; open Models and see the training curve; open Train and see the command it would
submit. Screenshots of each page are kept in test-artifacts/ (the README's come from a run).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from hrm_ray.tasks import TASKS

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ACCOUNTANT = ("Staff accountant. Prepared monthly financial statements, reconciled general ledger accounts and "
              "filed quarterly tax returns. Contact jane.doe@example.com or (555) 123-4567.")
CHEF = "Head chef. Designed seasonal menus, ran a kitchen of 12 cooks, cut food cost by 8%."


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is not installed: `apt-get install -y chromium` (make test does it)")
    return path


@pytest.fixture(scope="module")
def ui_url(service):
    from hrm_ray.ray_session import free_port
    from ui.app import build, launch

    port = free_port()
    page = build(service.url, models_dir=str(service.registry))
    launch(page, port, block=False)
    yield f"http://127.0.0.1:{port}"
    page.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield browser
        browser.close()


def test_screening_two_resumes_shows_them_ranked_with_emails_and_phones_redacted(browser, ui_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(ui_url)
    page.get_by_label("Job title").fill("Staff Accountant")
    page.get_by_label("Job description").fill("Prepare financial statements, reconcile ledgers, file tax returns.")
    page.get_by_label("Resumes (paste").fill(f"{CHEF}\n---\n{ACCOUNTANT}")
    page.get_by_role("button", name="Screen candidates").click()
    page.get_by_text("Screened 2 resume(s) with").wait_for(timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "screening.png"), full_page=True)

    # The table's visible text, row by row: rank 1 is the accountant (fit to an accountant job). The
    # category column comes from the session's small screening model, so it is not checked here.
    table = page.locator("#ranked").inner_text()
    first, second = table[table.index("\n1\n"):table.index("\n2\n")], table[table.index("\n2\n"):]
    assert "pasted 2" in first and "[EMAIL]" in first and "[PHONE]" in first
    # (The session's small parser may take "Head chef" for a name and redact it: the rest of the line stays.)
    assert "pasted 1" in second and "Designed seasonal menus" in second
    assert "jane.doe@example.com" not in table
    assert "Resume (names, e-mails, phones, places, URLs redacted)" in table  # the column says what was redacted
    assert "Title" in table and "Companies" in table and "Skills" in table  # the parsed profile's columns
    page.close()


def test_an_uploaded_resume_is_screened_and_then_deleted_from_the_server(browser, ui_url, tmp_path):
    from gradio.utils import get_upload_folder

    name = f"resume-{uuid.uuid4().hex[:8]}.txt"  # unique: other runs may share Gradio's cache folder
    (tmp_path / name).write_text(ACCOUNTANT)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(ui_url)
    page.get_by_label("Job title").fill("Staff Accountant")
    page.get_by_label("Job description").fill("Ledgers and tax returns.")
    page.locator("input[type=file]").first.set_input_files(str(tmp_path / name))
    page.get_by_text(name).first.wait_for(timeout=30_000)
    for _ in range(100):  # Gradio moves an upload into its cache just after answering the upload
        if uploaded := list(Path(get_upload_folder()).rglob(name)):
            break
        page.wait_for_timeout(100)
    assert len(uploaded) == 1  # the server's copy, unredacted
    page.get_by_role("button", name="Screen candidates").click()
    page.get_by_text("Screened 1 resume(s)").wait_for(timeout=120_000)
    assert name in page.locator("#ranked").inner_text()
    assert not uploaded[0].exists()
    page.close()


def test_models_tab_lists_every_model_and_plots_its_training_curve(browser, ui_url, service):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(ui_url)
    page.get_by_role("tab", name="Models").click()
    table = page.locator("#registered-models")
    table.get_by_text("sentiment").first.wait_for(timeout=60_000)
    for task in TASKS:  # every task has a model in the session's registry
        assert task in table.inner_text()
    plot = page.locator("#training-curve")
    plot.locator("canvas, svg").first.wait_for(timeout=60_000)  # Vega draws the curve once the log arrives
    page.screenshot(path=str(ARTIFACTS / "models.png"), full_page=True)
    assert plot.locator(".vega-embed").count() == 1
    page.close()


def test_an_upload_with_no_text_is_an_error_that_says_so(browser, ui_url, tmp_path):
    empty_pdf = tmp_path / "scanned.pdf"
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)  # a page with no text layer, like a scan
    writer.write(str(empty_pdf))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(ui_url)
    page.get_by_label("Job title").fill("Staff Accountant")
    page.get_by_label("Job description").fill("Ledgers and tax returns.")
    page.locator("input[type=file]").first.set_input_files(str(empty_pdf))
    page.get_by_text("scanned.pdf").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Screen candidates").click()
    page.get_by_text("scanned.pdf has no extractable text").first.wait_for(timeout=60_000)
    assert "scanned" not in page.locator("#ranked").inner_text()  # nothing was scored
    page.close()


def test_train_tab_shows_the_command_it_would_submit_as_the_choices_change(browser, ui_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(ui_url)
    page.get_by_role("tab", name="Train").click()
    command = page.locator("#train-command")
    command.get_by_text("ray job submit").wait_for(timeout=30_000)
    assert "jobs/finetune.py" in command.inner_text() and "--learner transformer" in command.inner_text()
    page.get_by_label("Epochs").fill("7")
    page.get_by_label("Epochs").press("Tab")
    command.get_by_text("--epochs 7").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Stop").is_visible()
    page.locator("#job-curve").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "train.png"), full_page=True)
    page.close()
