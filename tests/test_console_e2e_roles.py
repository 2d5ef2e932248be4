"""Each role's main task, done through the console in headless Chromium."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from registry.choices import Role
from registry.models import Metric
from reviews.models import MetricProposal
from signals.models import GamingSignal

from .factories import (
    GamingSignalFactory,
    ProposalFactory,
    UserFactory,
    WorkflowFactory,
)
from .factories_console import approved_scorecard, daily_costs, outcome_snapshot

pytestmark = [
    pytest.mark.browser,
    # The live server reads committed data; the seed rows are restored after.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-for-tests"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser(chromium_path, transactional_db):
    """A Chromium per test, started after the database is set up.

    Playwright's sync API runs an event loop for as long as it is open; kept
    out of the database's setup and teardown, the seed rows are restored on
    the connection the test really uses.
    """
    from playwright.sync_api import sync_playwright

    # The ORM calls made while the loop runs are plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, live_server):
    """Log a user in through the login form; return the page."""
    contexts = []

    def login(user, *, locale="en-US", viewport=LAPTOP):
        context = browser.new_context(locale=locale, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + reverse("login"))
        # By id: the labels are in the browser's language.
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("form[action='/login/'] button[type=submit]").click()
        page.wait_for_url(live_server.url + reverse("home"))
        return page

    yield login
    for context in contexts:
        context.close()


def _nav(page, name):
    """The main navigation's link called `name`."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def _owner_with_workflow():
    owner = UserFactory(role=Role.TEAM_OWNER)
    return owner, WorkflowFactory(key="support-triage", owner=owner)


def test_team_owner_proposes_and_sees_why_it_needs_revision(open_as, live_server):
    owner, workflow = _owner_with_workflow()
    page = open_as(owner)

    page.get_by_role("link", name="Propose a metric").first.click()
    page.get_by_label("Workflow", exact=True).select_option(workflow.key)
    page.get_by_label("Metric key").fill("first_contact_resolution")
    page.get_by_label("Name", exact=True).fill("First contact resolution")
    page.get_by_label("Formula").fill("resolved at first contact / contacts")
    page.get_by_label("Workflow scorecard").check()
    page.get_by_label("Metric owner").fill("support lead")
    page.get_by_role("button", name="Submit proposal").click()

    reason = page.locator(".missing-evidence")
    assert "evidence_url" in reason.inner_text()
    assert "baseline" in reason.inner_text()
    proposal = MetricProposal.objects.get(metric_key="first_contact_resolution")
    assert proposal.status == "needs_revision"


def test_governance_reviews_and_approves_a_proposal(open_as):
    governance = UserFactory(role=Role.GOVERNANCE)
    proposal = ProposalFactory(metric_key="fcr_rate")
    page = open_as(governance)

    _nav(page, "Review queue").click()
    page.get_by_role("link", name="fcr_rate").click()
    page.get_by_label("Approve").check()
    page.get_by_label("Reason").fill("Linked to resolution time; QA sampled")
    page.get_by_label("Outcome linkage score").fill("80")
    page.get_by_label("Gaming risk score").fill("20")
    page.get_by_label("Data quality score").fill("75")
    page.get_by_role("button", name="Record decision").click()

    assert "Decision recorded for fcr_rate" in page.locator(".messages").inner_text()
    proposal.refresh_from_db()
    assert proposal.status == "approved"
    assert Metric.objects.get(key="fcr_rate").policy_status == "approved"


def test_hr_builds_a_scorecard_and_is_never_offered_token_consumption(open_as):
    hr = UserFactory(role=Role.HR)
    page = open_as(hr)

    page.get_by_role("link", name="Build a scorecard").click()
    page.get_by_label("Name").fill("Support analyst H1")
    page.get_by_label("Period start").fill("2027-01-01")
    page.get_by_label("Period end").fill("2027-06-30")
    page.get_by_role("button", name="Create").click()

    selector = page.get_by_label("Metric")
    offered = selector.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert "task_completion_rate" in offered
    assert "token_consumption" not in offered
    assert "tool_active_days" not in offered
    selector.select_option("task_completion_rate")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "task_completion_rate added" in page.locator(".messages").inner_text()


def test_finance_reads_diagnostics_as_cost_context(open_as):
    _, workflow = _owner_with_workflow()
    daily_costs(workflow)
    outcome_snapshot(workflow)
    page = open_as(UserFactory(role=Role.FINANCE))

    _nav(page, "Workflows").click()
    page.get_by_role("link", name=workflow.name).click()

    panel = page.locator("#cost-context")
    assert "Cost context" in panel.inner_text()
    chart_title = panel.locator("#chart-title").text_content()
    assert chart_title == "Daily cost against outcome movement"
    assert "Token cost" not in page.locator("#outcomes").inner_text()


def test_governance_triages_a_signal(open_as):
    _, workflow = _owner_with_workflow()
    signal = GamingSignalFactory(
        workflow=workflow, severity="high", evidence_json={"cost_ratio": 4.6}
    )
    page = open_as(UserFactory(role=Role.GOVERNANCE))

    _nav(page, "Gaming signals").click()
    page.get_by_role("link", name="Cost spike, no outcome").click()
    assert "cost_ratio" in page.locator("table.evidence").text_content()
    page.get_by_label("New status").select_option("resolved")
    page.get_by_label("Triage note").fill("Backfill of October, not gaming")
    page.get_by_role("button", name="Save triage").click()

    assert "Signal triaged" in page.locator(".messages").inner_text()
    assert GamingSignal.objects.get(pk=signal.pk).status == "resolved"


def test_page_renders_in_traditional_chinese_from_the_browser_language(
    open_as, browser, live_server
):
    _, workflow = _owner_with_workflow()
    daily_costs(workflow)
    page = open_as(UserFactory(role=Role.FINANCE), locale="zh-TW")

    page.goto(live_server.url + reverse("workflow_scorecard", args=[workflow.key]))

    assert page.locator("html").get_attribute("lang") == "zh-hant"
    assert "成本脈絡" in page.locator("#cost-context").inner_text()
    assert "年" in page.locator("#cost-context").inner_text()


def test_language_switcher_changes_the_interface(open_as):
    page = open_as(UserFactory(role=Role.GOVERNANCE))

    page.get_by_label("Language").select_option("zh-hant")
    page.get_by_role("button", name="Switch").click()

    nav = page.get_by_role("navigation", name="主選單")
    assert nav.get_by_role("link", name="審查佇列").is_visible()


def test_pages_fit_a_phone_screen(open_as, live_server):
    _, workflow = _owner_with_workflow()
    daily_costs(workflow)
    page = open_as(UserFactory(role=Role.GOVERNANCE), viewport=PHONE)

    for name, args in [
        ("home", []),
        ("workflow_scorecard", [workflow.key]),
        ("audit_log", []),
    ]:
        page.goto(live_server.url + reverse(name, args=args))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} is {width}px wide"


def test_every_form_field_has_a_label(open_as, live_server):
    owner, _ = _owner_with_workflow()
    page = open_as(owner)

    unlabelled = []
    for name in ("proposal_new", "exception_new", "registry", "signals"):
        page.goto(live_server.url + reverse(name))
        unlabelled += page.locator(
            "main input:not([type=hidden]), main select, main textarea"
        ).evaluate_all(
            "fields => fields.filter(f => f.labels.length === 0).map(f => f.name)"
        )
    assert unlabelled == []


def test_hr_exports_an_approved_scorecard_as_csv(open_as):
    hr = UserFactory(role=Role.HR)
    scorecard = approved_scorecard(hr, UserFactory(role=Role.GOVERNANCE))
    page = open_as(hr)

    _nav(page, "Performance scorecards").click()
    page.get_by_role("link", name=scorecard.name).click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()

    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert content.startswith("metric_key,")
    assert "task_completion_rate" in content
