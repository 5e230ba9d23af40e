"""The person a case is about: recorded with their accounts per wiki and their addresses, once,
before anything is proposed against them."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.extensions import Hook, registry
from officeactions.cases.models import (
    Case,
    Subject,
    SubjectAccount,
    SubjectAddress,
    validate_address,
)
from officeactions.cases.moves import case_lock, check_team_member
from officeactions.errors import InvalidInput, NotPermitted, StepRefused
from officeactions.policy import STAFF_ROLES
from officeactions.policy.workflow import (
    CaseState,
)


@transaction.atomic
def subject_create(
    *,
    actor: User,
    display_name: str,
    accounts: Iterable[tuple[str, str]] = (),
    addresses: Iterable[str] = (),
    notes: str = "",
) -> Subject:
    if not user_roles(actor) & STAFF_ROLES:
        raise NotPermitted("Only office staff can record subjects.")
    if not display_name.strip():
        raise InvalidInput("A subject needs a name (a username or pseudonym is enough).")
    subject = Subject.objects.create(display_name=display_name.strip(), notes=notes)
    for wiki, username in accounts:
        if not wiki.strip() or not username.strip():
            raise InvalidInput("Each account needs both a wiki and a username.")
        SubjectAccount.objects.get_or_create(
            subject=subject, wiki=wiki.strip(), username=username.strip()
        )
    for address in addresses:
        try:
            validate_address(address.strip())
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0]) from None
        SubjectAddress.objects.get_or_create(subject=subject, address=address.strip())
    audit_append(
        actor=actor,
        action="subject.create",
        object_type="subject",
        object_id=str(subject.pk),
        data={"accounts": subject.accounts.count(), "addresses": subject.addresses.count()},
    )
    registry.call(Hook.BANS_CHANGED)  # a subject's accounts and addresses are what bans block
    return subject


SUBJECT_STATES = frozenset({CaseState.RECEIVED, CaseState.ACCEPTED, CaseState.INVESTIGATING})


@transaction.atomic
def case_subject_record(
    *,
    case: Case,
    actor: User,
    display_name: str,
    accounts: Iterable[tuple[str, str]] = (),
    addresses: Iterable[str] = (),
) -> Case:
    """Name the person a case is about (a request arrives without one), before any proposal.
    Accounts found after an action is in effect are added to it with case_add_account."""
    case = case_lock(case, actor)
    check_team_member(case, actor, "Recording the person")
    if case.subject_id is not None:
        raise StepRefused(
            f"{case.reference} already names its person; accounts found later are added once "
            "the action is carried out (Add a confirmed account)."
        )
    if case.case_state not in SUBJECT_STATES:
        raise StepRefused(
            "The person is recorded before an action is proposed; this case is "
            f"{case.case_state.label.lower()}."
        )
    case.subject = subject_create(
        actor=actor, display_name=display_name, accounts=accounts, addresses=addresses
    )
    case.updated_at = timezone.now()
    case.save(update_fields=["subject", "updated_at"])
    audit_append(
        actor=actor,
        action="case.subject_recorded",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"subject": case.subject_id},
    )
    return case
