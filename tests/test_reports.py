"""The half-yearly transparency report: periods, figures computed in SQL (the same on SQLite and
PostgreSQL), small counts masked, the previous period compared, and every way to reach it."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader
from rest_framework.test import APIClient

from officeactions.audit.models import AuditEntry
from officeactions.cases import services
from officeactions.policy import PolicyRefusal
from officeactions.policy.reports import (
    Period,
    check_reportable,
    compare,
    parse_period,
    percentile,
)
from officeactions.transparency.models import PublishedReport
from officeactions.transparency.selectors import report_figures
from officeactions.transparency.services import report_publish
from tests.helpers import sign_in, walk

LA = ZoneInfo("America/Los_Angeles")


# The period rules (pure) -------------------------------------------------------------------


def test_periods_parse_and_step_back():
    assert parse_period("2026h1") == Period(2026, 1)
    assert parse_period(" 2026H2 ").label == "July-December 2026"
    assert Period(2026, 1).previous() == Period(2025, 2)
    assert Period(2026, 2).previous() == Period(2026, 1)
    start, end = Period(2026, 1).bounds(LA)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-01-01T00:00:00-08:00",
        "2026-07-01T00:00:00-07:00",
    )


@pytest.mark.parametrize("text", ["", "2026", "2026H3", "2026H0", "H1", "26H1", "1999H2", "x"])
def test_unknown_periods_are_refused_with_the_expected_form(text):
    with pytest.raises(PolicyRefusal, match=r"e\.g\. 2026H1|2000 or later"):
        parse_period(text)


def test_only_ended_periods_are_reported():
    today = datetime(2026, 11, 25).date()
    check_reportable(Period(2026, 1), today)
    with pytest.raises(PolicyRefusal, match="has not ended yet"):
        check_reportable(Period(2026, 2), today)
    with pytest.raises(PolicyRefusal, match="in the future"):
        check_reportable(Period(2027, 1), today)


def test_percentiles_interpolate_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.9) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == pytest.approx(
        9.1
    )


def test_changes_say_up_or_down_and_by_how_much():
    assert compare(12, 8).describe() == "up 4 (+50%)"
    assert compare(6, 8).describe() == "down 2 (-25%)"
    assert compare(5, 5).describe() == "unchanged"
    assert compare(5, 0).describe() == "up 5"
    assert compare(None, 8).describe() == "—"  # a withheld figure is never compared


# Figures -----------------------------------------------------------------------------------

H1 = datetime(2026, 1, 5, 9, 0, tzinfo=LA)  # a Monday in 2026H1, 40 days clear of DST
H2_2025 = datetime(2025, 9, 1, 9, 0, tzinfo=LA)


def _decide(case, actor, step, at, reason="Decided."):
    """Take a deciding step as if at ``at`` (the audit log records the time)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        return walk(case, (actor, step, reason))


@pytest.fixture
def half_year(people, file_request):
    """2026H1: eight global bans decided after 1..8 days, two event bans, one conduct warning,
    DMCA notices and public requests; 2025H2: three global bans."""
    agent = people["agent"]
    bans = []
    for day in range(1, 9):
        case = services.case_open(actor=agent, kind="global_ban", title="T", received_at=H1)
        _decide(case, agent, "decline_request", H1 + timedelta(days=day))
        bans.append(case)
    # One decided late: 40 days, past the 4-week target.
    late = services.case_open(actor=agent, kind="global_ban", title="T", received_at=H1)
    _decide(late, agent, "defer", H1 + timedelta(days=40))
    for _ in range(2):
        services.case_open(actor=agent, kind="event_ban", title="T", received_at=H1)
    services.case_open(actor=agent, kind="conduct_warning", title="T", received_at=H1)
    for _ in range(3):
        services.case_open(actor=agent, kind="global_ban", title="T", received_at=H2_2025)
    return {"bans": bans, "late": late}


def test_figures_count_and_time_the_period(half_year):
    raw = report_figures(Period(2026, 1))
    assert raw.cases["global_ban"] == {
        "open": 0,
        "action taken": 0,
        "declined": 8,
        "deferred to community": 1,
    }
    assert raw.cases["event_ban"]["open"] == 2
    assert sum(raw.cases["conduct_warning"].values()) == 1
    times = raw.response["global_ban"]
    assert times.responded == 9
    # 1..8 days and 40 days: the median is day 5; the 90th percentile lies between 8 and 40.
    assert times.median_seconds == pytest.approx(5 * 86400)
    assert times.p90_seconds == pytest.approx((8 + 0.2 * 32) * 86400)
    assert (times.with_target, times.within_target) == (9, 8)
    assert sum(report_figures(Period(2025, 2)).cases["global_ban"].values()) == 3


def _figure(report, key):
    return next(f for f in report.figures["figures"] if f["key"] == key)


def test_the_published_report_masks_small_counts_and_compares(half_year, people):
    report = report_publish(period="2026H1", actor=people["agent"])
    received = _figure(report, "cases.global_ban.received")
    assert (received["value"], received["previous"], received["change"]) == (
        9,
        "fewer than 5",
        "—",
    )
    assert _figure(report, "cases.global_ban.declined")["value"] == "not shown"
    # 1 deferred among 9: masked, and the 8 beside it too, or subtraction would give it away.
    assert _figure(report, "cases.global_ban.deferred_to_community")["value"] == "fewer than 5"
    assert _figure(report, "cases.event_ban.received")["value"] == "fewer than 5"
    # Confidential kinds: counts only, and even zero is masked.
    assert _figure(report, "cases.conduct_warning.received")["value"] == "fewer than 5"
    assert _figure(report, "child_protection")["value"] == "fewer than 5"
    keys = {f["key"] for f in report.figures["figures"]}
    assert not any(
        k.startswith(("cases.conduct_warning.", "cases.checkuser.", "response.conduct_warning"))
        and not k.endswith(".received")
        for k in keys
    )
    assert not any("child_protection." in k for k in keys)
    assert _figure(report, "response.global_ban.median_days")["value"] == 5.0
    assert _figure(report, "response.global_ban.p90_days")["value"] == 14.4
    assert _figure(report, "response.global_ban.within_target_percent")["value"] == 89
    assert _figure(report, "response.global_ban.target")["value"] == "4 weeks"
    # Two event bans open, none decided: no time figures.
    assert _figure(report, "response.event_ban.median_days")["value"] == "not shown"
    appeals = _figure(report, "appeals.filed")
    assert appeals["value"] == 0 and report.figures["appeals_note"] == "no appeals recorded"
    entry = AuditEntry.objects.filter(action="report.publish").get()
    assert entry.object_id == "2026H1" and entry.actor_name == "agent"


def test_the_threshold_is_a_setting(half_year, people, settings):
    settings.OFFICEACTIONS_SMALL_COUNT_THRESHOLD = 2
    report = report_publish(period="2026H1", actor=people["agent"])
    assert _figure(report, "cases.event_ban.received")["value"] == 2
    assert _figure(report, "cases.conduct_warning.received")["value"] == "fewer than 2"


def test_comparisons_show_the_change_when_both_figures_are_public(people, settings):
    settings.OFFICEACTIONS_SMALL_COUNT_THRESHOLD = 1
    for when, n in ((H2_2025, 4), (H1, 6)):
        for _ in range(n):
            services.case_open(actor=people["agent"], kind="event_ban", title="T", received_at=when)
    report = report_publish(period="2026H1", actor=people["agent"])
    figure = _figure(report, "cases.event_ban.received")
    assert (figure["value"], figure["previous"], figure["change"]) == (6, 4, "up 2 (+50%)")


def test_publishing_again_replaces_the_report(half_year, people):
    report_publish(period="2026H1", actor=people["agent"])
    services.case_open(actor=people["agent"], kind="global_ban", title="T", received_at=H1)
    report = report_publish(period="2026H1", actor=people["agent"])
    assert PublishedReport.objects.count() == 1
    assert _figure(report, "cases.global_ban.received")["value"] == 10
    assert AuditEntry.objects.filter(action="report.republish").count() == 1


@pytest.mark.parametrize(
    "period,message",
    [
        ("2026H3", "Unknown period"),
        ("last year", "Unknown period"),
        ("2099H1", "in the future"),
        ("2026H2", "has not ended yet"),  # the current period (today is in 2026H2 or later)
    ],
)
def test_bad_periods_are_refused_and_nothing_is_published(db, people, period, message):
    from officeactions.errors import InvalidInput

    today = datetime(2026, 11, 25, tzinfo=LA)
    with (
        mock.patch("django.utils.timezone.now", return_value=today),
        pytest.raises(InvalidInput, match=message),
    ):
        report_publish(period=period, actor=people["agent"])
    assert not PublishedReport.objects.exists()


# The web page ------------------------------------------------------------------------------


def test_staff_generate_from_the_page_and_the_public_reads_it(half_year, people, client):
    assert client.get("/transparency/reports/").status_code == 200
    sign_in(client, people["agent"])
    page = client.get("/transparency/reports/").content.decode()
    assert 'name="period"' in page
    response = client.post("/transparency/reports/", {"period": "2026H1"})
    assert response.status_code == 302 and response["Location"] == "/transparency/reports/2026H1/"
    client.logout()
    page = client.get("/transparency/reports/2026H1/").content.decode()
    assert "January-June 2026" in page and "fewer than 5" in page
    assert "/transparency/reports/2026H1/charts/cases.png" in page
    for name in ("cases", "requests", "response"):
        chart = client.get(f"/transparency/reports/2026H1/charts/{name}.png")
        assert chart["Content-Type"] == "image/png" and chart.content[:4] == b"\x89PNG"
    csv_text = client.get("/transparency/reports/2026H1/?format=csv").content.decode()
    assert csv_text.splitlines()[0] == "section,item,value,previous,change"
    assert "global ban: received,9,fewer than 5,—" in csv_text
    body = client.get("/transparency/reports/2026H1/?format=json").json()
    assert body["period"] == "2026H1" and body["previous_period"] == "2025H2"
    pdf = client.get("/transparency/reports/2026H1/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Transparency report 2026H1" in text and "global ban: received: 9" in text
    assert len(reader.pages) >= 4  # the tables, then one page per chart
    assert any("/XObject" in p["/Resources"] or "/Font" in p["/Resources"] for p in reader.pages)


def test_only_staff_generate(half_year, people, client):
    assert client.post("/transparency/reports/", {"period": "2026H1"}).status_code == 403
    sign_in(client, people["crc"])
    response = client.post("/transparency/reports/", {"period": "2026H1"})
    assert response.status_code == 403 and b'role="alert"' in response.content
    assert not PublishedReport.objects.exists()


@pytest.mark.parametrize("period", ["", "2026H3", "2099H1", "<script>"])
def test_the_form_answers_bad_periods_with_a_400(db, people, client, period):
    sign_in(client, people["agent"])
    response = client.post("/transparency/reports/", {"period": period})
    assert response.status_code == 400 and b'role="alert"' in response.content
    assert b"<script>" not in response.content
    assert not PublishedReport.objects.exists()


@pytest.mark.parametrize(
    "url,status",
    [
        ("/transparency/reports/2026H3/", 400),
        ("/transparency/reports/nonsense/?format=json", 400),
        ("/transparency/reports/2025H1/", 404),  # well-formed, not published
        ("/transparency/reports/2026H1/?format=xml", 400),
        ("/transparency/reports/2026H3/charts/cases.png", 400),
        ("/transparency/reports/2026H1/charts/secrets.png", 404),
    ],
)
def test_bad_report_urls_get_clear_errors(half_year, people, client, url, status):
    report_publish(period="2026H1", actor=people["agent"])
    assert client.get(url).status_code == status


# API and command line ----------------------------------------------------------------------


def test_the_api_publishes_for_staff_and_reads_for_anyone(half_year, people):
    api = APIClient()
    assert api.post("/api/transparency/reports/", {"period": "2026H1"}).status_code in (401, 403)
    api.force_authenticate(people["steward"])
    assert api.post("/api/transparency/reports/", {"period": "2026H1"}).status_code == 403
    api.force_authenticate(people["counsel"])
    bad = api.post("/api/transparency/reports/", {"period": "2026H9"})
    assert bad.status_code == 400 and "Unknown period" in bad.json()["message"]
    assert api.post("/api/transparency/reports/", {}).status_code == 400
    created = api.post("/api/transparency/reports/", {"period": "2026H1"})
    assert created.status_code == 201 and created.json()["period"] == "2026H1"
    anonymous = APIClient()
    assert [r["period"] for r in anonymous.get("/api/transparency/reports/").json()] == ["2026H1"]
    body = anonymous.get("/api/transparency/reports/2026H1/").json()
    assert body["figures"] == created.json()["figures"]
    assert anonymous.get("/api/transparency/reports/2025H1/").status_code == 404
    assert anonymous.get("/api/transparency/reports/20x/").status_code == 400
    schema = anonymous.get("/api/schema/").content.decode()
    assert "/api/transparency/reports/{period}/" in schema


def test_the_command_writes_csv_json_and_pdf(half_year, tmp_path):
    out = io.StringIO()
    call_command("report", "2026H1", out=str(tmp_path), stdout=out)
    assert str(tmp_path) in out.getvalue()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [
        "transparency-report-2026H1.csv",
        "transparency-report-2026H1.json",
        "transparency-report-2026H1.pdf",
    ]
    data = json.loads((tmp_path / "transparency-report-2026H1.json").read_text())
    assert data["period"] == "2026H1"
    assert AuditEntry.objects.get(action="report.publish").actor_name == "system"


@pytest.mark.parametrize("period", ["2026H5", "2099H2"])
def test_the_command_refuses_bad_periods(db, period, tmp_path):
    with pytest.raises(CommandError):
        call_command("report", period, out=str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_figures_count_requests_and_dmca(people, file_request):
    from officeactions.cases.models import Case
    from officeactions.intake.models import Request
    from officeactions.legal.models import CounterNotice, DmcaNotice

    granted = file_request(email="one@example.org").request.case
    deferred = file_request(email="two@example.org", summary="Other").request.case
    file_request(email="three@example.org", summary="Third")
    file_request(email="four@example.org", summary="Fourth", community_evidence=[])
    Case.objects.filter(pk=granted.pk).update(state="in_effect")
    walk(deferred, (people["agent"], "defer", "For the community."))
    Request.objects.update(received_at=H1)
    notices = []
    for n in range(3):
        case = services.case_open(actor=people["counsel"], kind="dmca_takedown", title="D")
        notices.append(
            DmcaNotice.objects.create(
                case=case, sender_name="S", received_at=H1, defects=["no signature"] if n else []
            )
        )
    Case.objects.filter(pk=notices[0].case_id).update(state="in_effect")
    for status, put_back_at in (("put_back", H1 + timedelta(days=20)), ("waiting", None)):
        CounterNotice.objects.create(
            notice=notices[0], name="C", status=status, received_at=H1, put_back_at=put_back_at
        )
    raw = report_figures(Period(2026, 1))
    assert raw.requests == {"received": 4, "granted": 1, "declined": 0, "deferred": 1}
    assert raw.dmca == {
        "received": 3,
        "valid": 1,
        "complied_with": 1,
        "counter_noticed": 2,
        "put_back": 1,
    }


def test_appeals_filed_and_decided_in_the_period_are_counted(people):
    from officeactions.appeals.models import Appeal
    from tests.test_appeals import file_as_subject, issued

    for n in range(6):
        file_as_subject(issued(people, username=f"Appellant {n}"), username=f"Appellant {n}")
    in_period = datetime(2026, 3, 2, 12, tzinfo=ZoneInfo("UTC"))
    Appeal.objects.update(filed_at=in_period)
    Appeal.objects.filter(pk=Appeal.objects.order_by("pk")[0].pk).update(
        status="upheld", decided_at=in_period
    )
    report = report_publish(period="2026H1", actor=people["agent"])
    assert _figure(report, "appeals.filed")["value"] == 6
    assert _figure(report, "appeals.upheld")["value"] == "fewer than 5"  # one person's appeal
    assert report.figures["appeals_note"] == ""


def test_masked_parts_cannot_be_worked_out_by_subtraction():
    from officeactions.transparency.visibility import _mask_parts

    # 7 received: 5 taken, 1 declined, 1 deferred, 0 open. Showing the 0 would pin both
    # masked parts at exactly 1 (7 - 5 - 0 = 2, each at least 1).
    shown = _mask_parts(7, {"open": 0, "taken": 5, "declined": 1, "deferred": 1})
    assert shown == {
        "open": "fewer than 5",
        "taken": 5,
        "declined": "fewer than 5",
        "deferred": "fewer than 5",
    }
    # One part masked alone: the smallest other part is withheld with it.
    shown = _mask_parts(20, {"taken": 12, "declined": 6, "deferred": 2})
    assert shown == {"taken": 12, "declined": "not shown", "deferred": "fewer than 5"}
    assert _mask_parts(20, {"taken": 12, "declined": 8}) == {"taken": 12, "declined": 8}
