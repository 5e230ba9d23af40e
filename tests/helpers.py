"""Helpers for the tests: users with roles, walking a case, and database snapshots."""

from django.contrib.auth import get_user_model

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
from officeactions.policy import Role


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
