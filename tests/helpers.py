"""Helpers for the tests: users with roles, walking a case, the worker, and database snapshots."""

import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from officeactions.accounts.roles import role_grant
from officeactions.audit.models import AuditEntry
from officeactions.cases import services
from officeactions.cases.models import (
    Case,
    CaseAssignment,
    Evidence,
    ProposedAction,
    Review,
    Subject,
    SubjectAccount,
    SubjectAddress,
)
from officeactions.enforcement import runner
from officeactions.enforcement import services as enforcement
from officeactions.errors import ApplicationError
from officeactions.intake.tasks import request_file_pending_task
from officeactions.policy import Role
from officeactions.policy.workflow import CaseState
from officeactions.sanctions import services as sanctions


def filing_tasks():
    """The filing tasks the intake writer queued."""
    return DBTaskResult.objects.filter(task_path=request_file_pending_task.module_path)


def run_worker() -> None:
    """The real worker, once every filing task still waiting may start (it starts a moment
    after it is queued; one queued to run at once has no time of its own, the latest date)."""
    waiting = filing_tasks().filter(status="READY")
    times = [t.run_after for t in waiting if t.run_after.year < 9999]
    time.sleep(max([0, *((t - timezone.now()).total_seconds() for t in times)]) + 0.05)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def totp_code(device) -> str:
    """What the person's authenticator app shows now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def authenticator(user):
    """A confirmed authenticator device for the user (a new one each time: a code is accepted
    once per device and time step, and tests sign the same person in more than once)."""
    return TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)


def sign_in(client, user):
    """Both factors, through the real second-factor page (the password is skipped)."""
    client.force_login(user)
    response = client.post(reverse("two-factor"), {"token": totp_code(authenticator(user))})
    assert response.status_code == 302, "second factor refused"
    return client


def make_user(username: str, roles: list[Role]):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    for role in roles:
        role_grant(user=user, role=role)
    return user


def walk(case, *steps):
    """Take plain steps: walk(case, (actor, "accept"), (actor, "start_investigation"))."""
    for actor, name, *reason in steps:
        case = services.case_transition(
            case=case, actor=actor, name=name, reason=reason[0] if reason else ""
        )
    return case


def db_snapshot() -> dict:
    """What 'the database is unchanged' means here: every row of the case work."""
    return {
        "cases": sorted(Case.objects.values_list("reference", "state", "updated_at")),
        "proposals": sorted(ProposedAction.objects.values_list("pk", "status")),
        "reviews": sorted(Review.objects.values_list("pk", "decision")),
        "audit": AuditEntry.objects.count(),
        "evidence": Evidence.objects.count(),
        "assignments": CaseAssignment.objects.count(),
        "subjects": Subject.objects.count(),
        "accounts": SubjectAccount.objects.count(),
        "addresses": SubjectAddress.objects.count(),
    }


DIRECT_BAN = {"why_no_warning": "Threats of harm: there was no time to warn."}


def direct_ban(case, terms):
    """A ban proposed without an earlier warning on record says why (the policy's rule)."""
    if case.action_kind.warning_kinds:
        return {**DIRECT_BAN, **(terms or {})}
    return terms


def propose(case, actor, rationale, terms=None):
    """Propose the action; a conduct warning is proposed by drafting it from its template."""
    if case.action_kind.notice_template:
        return sanctions.conduct_warning_draft(
            case=case,
            actor=actor,
            recipient_email="warned@example.org",
            conduct="Repeated personal attacks on talk pages.",
            expectations="Comment on content, not on contributors.",
            rationale=rationale,
        )
    return services.proposal_create(
        case=case, actor=actor, rationale=rationale, terms=direct_ban(case, terms)
    )


def approved(people, kind, *, subject=None, terms=None, actor=None, enforces=None):
    actor = actor or people["agent"]
    case = services.case_open(
        actor=actor, kind=kind, title=f"A {kind}", subject=subject, enforces=enforces
    )
    if case.action_kind.is_confidential:
        for who in ("reviewer1", "counsel"):
            services.case_assign(case=case, actor=actor, user=people[who])
    walk(case, (actor, "accept"), (actor, "start_investigation"))
    propose(case, actor, "Approved in test.", terms)
    case = walk(case, (actor, "submit_for_review"))
    for who in ("reviewer1", "counsel", "reviewer2"):
        case.refresh_from_db()
        if case.state == CaseState.APPROVED:
            break
        try:
            services.review_submit(case=case, actor=people[who], decision="approve")
        except ApplicationError:
            continue
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    return case


def enforce_now(case, actor, **kwargs):
    """What staff do, then what the worker does."""
    enforcement.case_enforce(case=case, actor=actor, **kwargs)
    runner.enforcement_run(case_id=case.pk)
    case.refresh_from_db()
    return {(o.wiki, o.op, o.target): o for o in case.operations.all()}
