"""End to end in a real browser (Debian's Chromium driven by Playwright) against the real app
served on localhost, carrying actions out on the real local MediaWiki wikis.

Screenshots of every step are saved in a folder named for the run (printed; under var/e2e/ by
default, or OFFICEACTIONS_E2E_DIR), so that a person can look at what the browser saw.
"""

from __future__ import annotations

import base64
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from officeactions.cases.models import Case
from officeactions.legal.models import DmcaNotice
from officeactions.policy import Role
from officeactions.policy.workflow import CaseState
from tests.helpers import authenticator, make_user, run_worker, totp_code
from tests.wikis import unique

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("OFFICEACTIONS_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.usefixtures("committed_db")


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI never skips the browser tests.")
    pytest.skip(f"SKIPPED (no browser): {reason}. Run scripts/test, which installs it.")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        unavailable(f"Chromium is not installed at {CHROMIUM} (Debian package chromium)")
    # Playwright's synchronous API keeps an event loop in this thread; the test's own database
    # calls run between browser calls, never inside the loop.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    base = Path(os.environ.get("OFFICEACTIONS_E2E_DIR", ROOT / "var" / "e2e"))
    folder = base / datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nBrowser screenshots: {folder}")
    return folder


class Session:
    """One person's browser window, with numbered screenshots of each step."""

    def __init__(self, browser, base_url: str, folder: Path, who: str):
        self.context = browser.new_context(base_url=base_url)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.folder, self.who = folder, who

    def shot(self, step: str) -> None:
        count = len(list(self.folder.glob("*.png"))) + 1
        self.page.screenshot(
            path=self.folder / f"{count:02d}-{self.who}-{step}.png", full_page=True
        )

    def sign_in(self, user, device=None) -> None:
        """Password, then the code from the authenticator app."""
        page = self.page
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "pw-" + user.username)
        page.click("button[type=submit]")
        if device is None:  # first sign-in: set the app up from the key on the page
            page.wait_for_selector("#secret")
            self.shot("two-factor-setup")
            key = base64.b32decode(page.inner_text("#secret"))
            page.fill("#token", f"{TOTP(key).token():06d}")
            page.click("button[type=submit]")
            page.wait_for_selector("#recovery-codes")
            self.shot("recovery-codes")
        else:
            page.wait_for_selector("#token")
            page.fill("#token", totp_code(device))
            page.click("button[type=submit]")
        page.goto("/cases/")
        assert page.url.endswith("/cases/"), page.url

    def step(self, reference: str, button: str) -> None:
        self.page.goto(f"/cases/{reference}/")
        self.page.click(f"button[name=step][value={button}]")
        self.page.wait_for_load_state("networkidle")
        self.shot(button)

    def close(self) -> None:
        self.context.close()


def test_a_public_request_becomes_a_global_ban_on_the_wikis_and_the_public_log(
    browser, live_server, wiki_farm, settings, people, shots_dir
):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    banned = unique("Harasser")
    for dbname in ("enwiki", "dewiki"):
        wiki_farm.create_account(dbname, banned)

    # A member of the public asks for a global ban.
    public = Session(browser, live_server.url, shots_dir, "requester")
    page = public.page
    page.goto("/request/")
    page.select_option("#id_action_requested", "global_ban")
    page.fill("#id_summary", f"{banned} has harassed contributors on two wikis for months.")
    page.fill("#id_community_evidence", "https://en.wikipedia.org/wiki/WP:ANI")
    page.fill("#id_supporting_information", "Diffs and the noticeboard threads are linked.")
    page.fill("#id_email", "reporter@example.org")
    public.shot("request-form")
    page.click("button[type=submit]")
    page.wait_for_selector("text=OA-")
    public.shot("request-received")
    status_url = page.url
    run_worker()  # the worker files the request as a case
    case = Case.objects.get()

    # Trust & Safety triage it, name the person, propose the ban.
    agent = Session(browser, live_server.url, shots_dir, "ts-staff")
    agent.sign_in(people["agent"])
    agent.step(case.reference, "accept")
    agent.step(case.reference, "start_investigation")
    page = agent.page
    page.fill("#subject-form #id_accounts", f"enwiki:{banned}\ndewiki:{banned}")
    page.click("#subject-form button[type=submit]")
    page.wait_for_selector(f"text=account {banned} on dewiki")
    page.fill("#id_rationale", "Long-term cross-wiki harassment; local blocks evaded.")
    page.fill("#id_why_no_warning", "The harassment included threats; a warning was not safe.")
    page.click("button[name=step][value=propose_action]")
    page.wait_for_selector("button[name=step][value=submit_for_review]")
    agent.shot("proposed")
    agent.step(case.reference, "submit_for_review")

    # Three reviewers approve, legal counsel among them.
    for who in ("reviewer1", "reviewer2", "counsel"):
        reviewer = Session(browser, live_server.url, shots_dir, who)
        reviewer.sign_in(people[who], authenticator(people[who]))
        reviewer.page.goto(f"/cases/{case.reference}/")
        reviewer.page.select_option("#id_decision", "approve")
        reviewer.page.click("button[name=step][value=review]")
        reviewer.page.wait_for_load_state("networkidle")
        reviewer.shot("approved")
        reviewer.close()
    case.refresh_from_db()
    assert case.case_state is CaseState.APPROVED

    # Carried out on the real wikis by the worker, and shown to staff and the public.
    agent.step(case.reference, "enforce")
    run_worker()
    case.refresh_from_db()
    assert case.case_state is CaseState.IN_EFFECT
    for dbname in ("enwiki", "dewiki"):
        with wiki_farm.office(dbname) as client:
            (block,) = client.blocks(banned)
            assert block["by"] == "WMFOffice" and case.reference in block["reason"]
    agent.page.goto(f"/cases/{case.reference}/")
    assert agent.page.locator("text=verified on the wiki").count() >= 2
    agent.shot("in-effect")
    agent.close()

    page = public.page
    page.goto("/transparency/office-actions/")
    assert page.locator(f"text={case.reference}").count() >= 1
    assert page.locator(f"text={banned}").count() >= 1
    public.shot("public-log")
    page.goto("/transparency/global-bans/")
    assert page.locator(f"text={banned}").count() == 1
    public.shot("global-bans-list")
    page.goto(status_url)
    public.shot("request-status")
    public.close()


def test_a_dmca_takedown_then_a_counter_notice(
    browser, live_server, wiki_farm, settings, people, shots_dir
):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    title = unique("Sunset copy")
    with wiki_farm.rogue_client("enwiki") as uploader:
        uploader.write({"action": "edit", "title": title, "text": "Copied text.", "summary": "x"})
    index = wiki_farm.wikis["enwiki"].api_url.replace("api.php", "index.php")
    url = f"{index}?title={title.replace(' ', '_')}"

    # The rights holder sends a notice.
    holder = Session(browser, live_server.url, shots_dir, "rights-holder")
    page = holder.page
    page.goto("/legal/dmca/")
    page.fill("#id_sender_name", "Jane Doe")
    page.fill("#id_address", "1 Main Street, Springfield")
    page.fill("#id_phone", "+1 555 0199")
    page.fill("#id_email", "jane@example.org")
    page.fill("#id_works", "Photograph 'Sunset' (2019)")
    page.fill("#id_copyrighted_urls", "https://janedoe.example/sunset")
    page.fill("#id_infringing_urls", url)
    page.check("#id_good_faith")
    page.check("#id_accuracy_under_perjury")
    page.fill("#id_signature", "/s/ Jane Doe")
    holder.shot("notice-form")
    page.click("button[type=submit]")
    page.wait_for_selector("text=OA-")
    holder.shot("notice-received")
    holder.close()
    case = DmcaNotice.objects.get().case

    # Legal counsel (with a staff account on the wikis) takes it down.
    alice = make_user("alice", [Role.LEGAL_COUNSEL])
    legal = Session(browser, live_server.url, shots_dir, "legal")
    legal.sign_in(alice, authenticator(alice))
    legal.step(case.reference, "accept")
    legal.step(case.reference, "start_investigation")
    legal.page.fill("#id_rationale", "A valid notice; the photograph is hers.")
    legal.page.click("button[name=step][value=propose_action]")
    legal.page.wait_for_selector("button[name=step][value=submit_for_review]")
    legal.step(case.reference, "submit_for_review")
    counsel = Session(browser, live_server.url, shots_dir, "counsel")
    counsel.sign_in(people["counsel"], authenticator(people["counsel"]))
    counsel.page.goto(f"/cases/{case.reference}/")
    counsel.page.select_option("#id_decision", "approve")
    counsel.page.click("button[name=step][value=review]")
    counsel.page.wait_for_load_state("networkidle")
    counsel.shot("approved")
    counsel.close()
    legal.step(case.reference, "enforce")
    run_worker()
    case.refresh_from_db()
    assert case.case_state is CaseState.IN_EFFECT
    with wiki_farm.office("enwiki") as client:
        assert client.page_text(title) is None  # deleted on the wiki
    legal.page.goto(f"/cases/{case.reference}/")
    legal.shot("taken-down")

    # The public DMCA log shows it; the uploader sends a counter-notice.
    uploader = Session(browser, live_server.url, shots_dir, "uploader")
    page = uploader.page
    page.goto("/transparency/dmca/")
    assert page.locator(f"text={case.reference}").count() >= 1
    uploader.shot("dmca-log")
    page.goto("/legal/counter-notice/")
    page.fill("#id_reference", case.reference)
    page.fill("#id_name", "Sam Uploader")
    page.fill("#id_address", "2 Side Street, Shelbyville")
    page.fill("#id_phone", "+1 555 0100")
    page.fill("#id_removed_material", title)
    page.fill("#id_former_location", url)
    page.check("#id_mistake_under_perjury")
    page.check("#id_consent_to_jurisdiction")
    page.fill("#id_signature", "/s/ Sam Uploader")
    uploader.shot("counter-notice-form")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    uploader.shot("counter-notice-received")
    uploader.close()
    counter = DmcaNotice.objects.get().counters.get()
    assert counter.status == counter.Status.WAITING, counter.defects
    legal.page.goto(f"/cases/{case.reference}/")
    assert legal.page.locator("text=put-back scheduled").count() >= 1
    legal.shot("counter-notice-on-case")
    legal.close()
