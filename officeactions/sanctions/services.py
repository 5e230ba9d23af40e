"""Sanctions around a person, one function per step: drafting and issuing a conduct warning,
checking a reapplication after a removal of advanced rights, and the reports against a ban
(sockpuppets to confirm and add to it; proxies and interference, each opening a case)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from officeactions.audit.services import audit_append
from officeactions.cases.models import Case, Subject
from officeactions.cases.moves import (
    case_lock,
    case_move,
    case_step_begin,
    check_may_take,
    check_team_member,
)
from officeactions.cases.services import (
    case_open,
    case_transition,
    clean_url,
    evidence_add,
    proposal_record,
    subject_create,
)
from officeactions.enforcement.services import case_add_account, enforceable
from officeactions.enforcement.wikis import load_wikis
from officeactions.errors import InvalidInput, NotFound, StepRefused
from officeactions.notify import notify
from officeactions.policy import PolicyRefusal
from officeactions.policy.catalog import Target
from officeactions.policy.names import normalise_username
from officeactions.policy.sanctions import check_proxy_sanction_kind, check_reapplication
from officeactions.policy.workflow import TRANSITIONS, CaseState, Transition
from officeactions.sanctions.models import (
    BanReport,
    BreachReport,
    ConductWarning,
    ReapplicationCheck,
    SuspectedAccount,
)
from officeactions.sanctions.selectors import rights_period

# -- conduct warnings ----------------------------------------------------------------------


@transaction.atomic
def conduct_warning_draft(
    *,
    case: Case,
    actor: User,
    recipient_email: str,
    conduct: str,
    expectations: str,
    rationale: str,
) -> ConductWarning:
    """Draft the warning from its template and propose it: the drafted text is what the
    reviewers approve and what the person receives."""
    template = case.action_kind.notice_template
    if not template:
        raise StepRefused(f"A {case.action_kind.name} is not drafted from a warning template.")
    problems = {}
    try:
        validate_email(recipient_email.strip())
    except ValidationError:
        problems["recipient_email"] = f"{recipient_email!r} is not an email address."
    if not conduct.strip():
        problems["conduct"] = "Describe the conduct the warning is about."
    if not expectations.strip():
        problems["expectations"] = "Say what corrective measures are expected."
    if problems:
        raise InvalidInput(" ".join(problems.values()), {"fields": problems})
    proposal = proposal_record(case=case, actor=actor, rationale=rationale, terms={})
    case = proposal.case
    text = render_to_string(
        f"notifications/{template}.txt",
        {
            "name": case.subject.display_name if case.subject else "",
            "conduct": conduct.strip(),
            "expectations": expectations.strip(),
            "reference": case.reference,
            "appeal_months": case.action_kind.appeal.window_months,
        },
    ).strip()
    # Drafted again after a withdrawal: the new draft replaces the old one.
    warning, _ = ConductWarning.objects.update_or_create(
        case=case,
        defaults={
            "recipient_email": recipient_email.strip(),
            "conduct": conduct.strip(),
            "expectations": expectations.strip(),
            "text": text,
            "drafted_by": actor,
            "drafted_at": timezone.now(),
            "issued_at": None,
            "issued_by": None,
        },
    )
    # The audit trail records that a draft exists, never its words or its addressee.
    audit_append(
        actor=actor,
        action="conduct_warning.draft",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"proposal": proposal.pk},
    )
    return warning


def warning_issue_refusal(case: Case, transition: Transition) -> str | None:
    """Issuing applies to a kind delivered as a message, once its draft is approved."""
    if transition.name != "issue_warning":
        return None
    if not case.action_kind.notice_template:
        return f"A {case.action_kind.name} is not delivered as a warning."
    if not ConductWarning.objects.filter(case=case, issued_at__isnull=True).exists():
        return "There is no approved warning to issue on this case."
    return None


@transaction.atomic
def conduct_warning_issue(*, case: Case, actor: User) -> ConductWarning:
    """Send the approved warning to the person, confidentially, by email; it then stands."""
    case = case_lock(case, actor)
    check_may_take(case=case, actor=actor, transition=TRANSITIONS["issue_warning"])
    warning = ConductWarning.objects.filter(case=case).first()
    if warning is None or not case.action_kind.notice_template:
        raise StepRefused("There is no approved warning to issue on this case.")
    warning.issued_at = timezone.now()
    warning.issued_by = actor
    warning.save(update_fields=["issued_at", "issued_by"])
    case_move(case, TRANSITIONS["issue_warning"], actor)
    to, context = [warning.recipient_email], {"text": warning.text}
    transaction.on_commit(lambda: notify("conduct_warning_issue", to, context))
    return warning


# -- removal of advanced rights: reapplying -----------------------------------------------


@transaction.atomic
def reapplication_check(
    *,
    case: Case,
    actor: User,
    applied_on: date,
    criteria_met: Iterable[str] = (),
    note: str = "",
) -> ReapplicationCheck:
    """Check a reapplication for advanced rights against the removal's recorded period and
    criteria, and record the outcome (a refusal says until when, or which criteria)."""
    case = case_lock(case, actor)
    check_team_member(case, actor, "Checking a reapplication")
    period = rights_period(case)
    if period is None:
        raise StepRefused(
            f"This {case.action_kind.name} records no no-rights period to check against."
        )
    if case.case_state not in (CaseState.IN_EFFECT, CaseState.EXPIRED, CaseState.LIFTED):
        raise StepRefused(
            "A reapplication is checked once the removal took effect; the case is "
            f"{case.case_state.label.lower()}."
        )
    if period.removed_on is None:
        raise StepRefused("The wikis never showed the groups removed: no period has started.")
    try:
        result = check_reapplication(
            removed_on=period.removed_on,
            period=period.period,
            criteria=period.criteria,
            criteria_met={c.strip() for c in criteria_met if c.strip()},
            applied_on=applied_on,
        )
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    check = ReapplicationCheck.objects.create(
        case=case,
        applied_on=applied_on,
        criteria_met=sorted({c.strip() for c in criteria_met if c.strip()}),
        outcome=result.outcome.value,
        message=result.message,
        note=note.strip(),
        checked_by=actor,
    )
    audit_append(
        actor=actor,
        action="rights.reapplication_checked",
        object_type="case",
        object_id=case.reference,
        case=case,
        reason=note.strip(),
        data={
            "applied_on": applied_on.isoformat(),
            "outcome": result.outcome.value,
            "unmet": list(result.unmet),
        },
    )
    return check


# -- reports against a ban: sockpuppets, proxies, interference ---------------------------


def _ban_case(case: Case, actor: User) -> tuple[Case, Subject]:
    """Lock a ban against a person that stands (being enforced or in effect), for its team;
    with the banned person."""
    case = case_step_begin(case=case, actor=actor, transition=TRANSITIONS["add_account"])
    kind = case.action_kind
    if kind.target is not Target.INDIVIDUAL or not enforceable(kind) or case.subject is None:
        raise StepRefused(f"Reports of this sort are attached to a ban, not to a {kind.name}.")
    return case, case.subject


def _optional_url(url: str) -> str:
    return clean_url(url) if url.strip() else ""


@transaction.atomic
def breach_report_file(
    *,
    case: Case,
    actor: User,
    reported_by: str,
    summary: str,
    accounts: list[tuple[str, str]],
    evidence_url: str = "",
) -> BreachReport:
    """Record a sockpuppet report from the community against a ban, with the accounts it
    suspects; staff then confirm or reject them one by one."""
    case, subject = _ban_case(case, actor)
    if not reported_by.strip():
        raise InvalidInput("Say who reported it (a username, a name or an address).")
    if not summary.strip():
        raise InvalidInput("A breach report needs a summary: why these accounts are suspected.")
    if not accounts:
        raise InvalidInput("A breach report lists at least one suspected account (wiki, username).")
    wikis = load_wikis()
    known = {(a.wiki, a.username) for a in subject.accounts.all()}
    suspects: dict[tuple[str, str], None] = {}
    for wiki, username in accounts:
        wiki = wiki.strip()
        if wiki not in wikis:
            raise InvalidInput(f"Unknown wiki {wiki!r}; configured: {', '.join(wikis) or 'none'}.")
        try:
            username = normalise_username(username)
        except PolicyRefusal as exc:
            raise InvalidInput(exc.message) from None
        if (wiki, username) in known:
            raise InvalidInput(f"{username} on {wiki} is already one of this person's accounts.")
        suspects[(wiki, username)] = None
    report = BreachReport.objects.create(
        case=case,
        reported_by=reported_by.strip()[:255],
        summary=summary.strip(),
        evidence_url=_optional_url(evidence_url),
        recorded_by=actor,
    )
    SuspectedAccount.objects.bulk_create(
        SuspectedAccount(report=report, wiki=w, username=u) for w, u in suspects
    )
    audit_append(
        actor=actor,
        action="enforcement.breach_report",
        object_type="breach_report",
        object_id=str(report.pk),
        case=case,
        data={"suspected": len(suspects)},
    )
    return report


@transaction.atomic
def suspected_account_decide(
    *, case: Case, actor: User, suspect_id: int, decision: str, note: str = ""
) -> SuspectedAccount:
    """Confirm a suspected account (added to the ban and blocked on every wiki) or reject it."""
    if decision not in ("confirm", "reject"):
        raise InvalidInput(f"A decision is 'confirm' or 'reject', not {decision!r}.")
    case, _ = _ban_case(case, actor)
    suspect = (
        SuspectedAccount.objects.select_for_update()
        .filter(pk=suspect_id, report__case=case)
        .first()
    )
    if suspect is None:
        raise NotFound(f"No suspected account #{suspect_id} in this case's breach reports.")
    if suspect.status != SuspectedAccount.Status.PENDING:
        raise StepRefused(
            f"{suspect.username} on {suspect.wiki} was already decided: "
            f"{suspect.get_status_display()}."
        )
    if decision == "reject" and not note.strip():
        raise InvalidInput("Rejecting a suspected account needs a reason.")
    if decision == "confirm":
        case_add_account(
            case=case, actor=actor, wiki=suspect.wiki, username=suspect.username, note=note
        )
    Status = SuspectedAccount.Status
    suspect.status = Status.CONFIRMED if decision == "confirm" else Status.REJECTED
    suspect.note, suspect.decided_by, suspect.decided_at = note.strip(), actor, timezone.now()
    suspect.save(update_fields=["status", "note", "decided_by", "decided_at"])
    audit_append(
        actor=actor,
        action=f"enforcement.suspect_{decision}",
        object_type="breach_report",
        object_id=str(suspect.report_id),
        case=case,
        reason=note.strip(),
        data={"wiki": suspect.wiki, "username": suspect.username},
    )
    return suspect


@transaction.atomic
def ban_report_file(
    *,
    case: Case,
    actor: User,
    kind: str,
    wiki: str,
    username: str,
    summary: str,
    sanction: str,
    evidence_url: str = "",
) -> BanReport:
    """Someone acts as a proxy for the banned person, or interferes with enforcement: attach
    the report to the ban and open the proposed sanction case against them, the report as its
    evidence."""
    case, _ = _ban_case(case, actor)
    try:
        report_kind = BanReport.Kind(kind)
    except ValueError:
        known = ", ".join(BanReport.Kind.values)
        raise InvalidInput(f"Unknown report kind {kind!r}; known: {known}.") from None
    try:
        check_proxy_sanction_kind(sanction)
        username = normalise_username(username)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    wikis = load_wikis()
    if wiki.strip() not in wikis:
        raise InvalidInput(f"Unknown wiki {wiki!r}; configured: {', '.join(wikis) or 'none'}.")
    if not summary.strip():
        raise InvalidInput("A report needs a summary of what the person did.")
    url = _optional_url(evidence_url)
    subject = subject_create(
        actor=actor, display_name=username, accounts=[(wiki.strip(), username)]
    )
    sanction_case = case_open(
        actor=actor,
        kind=sanction,
        title=f"{username}: {report_kind.label} ({case.reference})",
        summary=summary.strip(),
        subject=subject,
    )
    for step in ("accept", "start_investigation"):
        sanction_case = case_transition(
            case=sanction_case, actor=actor, name=step, reason=f"Report on {case.reference}"
        )
    evidence_add(
        case=sanction_case,
        actor=actor,
        url=url,
        note=f"Report attached to {case.reference}: {report_kind.label}. {summary.strip()}",
    )
    report = BanReport.objects.create(
        case=case,
        kind=report_kind,
        wiki=wiki.strip(),
        username=username,
        summary=summary.strip(),
        evidence_url=url,
        sanction_case=sanction_case,
        recorded_by=actor,
    )
    audit_append(
        actor=actor,
        action=f"enforcement.{report_kind.value}_report",
        object_type="ban_report",
        object_id=str(report.pk),
        case=case,
        data={"sanction_case": sanction_case.reference, "wiki": report.wiki, "username": username},
    )
    return report
