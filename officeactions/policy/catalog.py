"""The action catalog: the nine kinds of office action and the rules each one carries.

This is the one place where the policy's numbers live (response times, how many approvers and
of which roles, appeal windows, who sees a case, which wiki account performs the action).
Workflow code reads it; it never tests for a particular kind. Operators may change the review
counts through settings (see ``Catalog.with_review_overrides``) without touching workflow code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from officeactions.policy.errors import PolicyRefusal
from officeactions.policy.roles import Role, Team


class Target(StrEnum):
    INDIVIDUAL = "individual"  # a person: every account they control, future accounts, IPs
    CONTENT = "content"  # pages, files, revisions
    CONTENT_OR_USER = "content_or_user"
    FUNCTIONARY_RIGHTS = "functionary_rights"  # a functionary's groups on named wikis
    ACCOUNTS_AND_IPS = "accounts_and_ips"
    PAGE = "page"
    IP_RANGE = "ip_range"


class Visibility(StrEnum):
    """Who may see a case of this kind inside the product (public output is decided later)."""

    STAFF = "staff"  # every holder of a staff role
    CASE_STAFF = "case_staff"  # only the staff assigned to the case, plus the roles named
    DESIGNATED = "designated"  # only holders of the designated roles, never anyone else

    @property
    def is_confidential(self) -> bool:
        return self is not Visibility.STAFF


class Performer(StrEnum):
    OFFICE_ACCOUNT = "office_account"  # the role account, WMFOffice by default
    STAFF_ACCOUNT = "staff_account"  # the acting staff member's own account
    NONE = "none"  # nothing is done on a wiki


@dataclass(frozen=True)
class ResponseTarget:
    """The policy's response-time guideline, counted from receipt. A target, not a deadline.

    ``hours`` is elapsed time (24 hours is 24 hours, across a clock change); ``weeks`` is
    calendar time in the office's time zone (4 weeks is the same local time four weeks on);
    ``business_days`` skips weekends and US federal holidays.
    """

    hours: int = 0
    weeks: int = 0
    business_days: int = 0
    same_as_enforced_action: bool = False

    def describe(self) -> str:
        if self.same_as_enforced_action:
            return "as the action it enforces"
        if self.business_days:
            return f"{self.business_days} business days"
        if self.weeks:
            return f"{self.weeks} weeks"
        return f"{self.hours} hours"


@dataclass(frozen=True)
class ReviewRule:
    """What approval a proposed action needs before it may be carried out.

    Approvers are always distinct people (one review per person per proposal). ``approvals``
    counts them; ``eligible_roles`` says who may approve at all; each role in ``must_include``
    must be held by at least one approver; the proposer may approve only where the policy lets
    one person act at once (child protection).
    """

    approvals: int
    eligible_roles: frozenset[Role]
    must_include: frozenset[Role] = frozenset()
    proposer_may_approve: bool = False
    required_terms: tuple[str, ...] = ()
    follow_up_review_hours: int | None = None
    same_as_enforced_action: bool = False

    def describe(self) -> str:
        if self.approvals == 0:
            terms = ", ".join(t.replace("_", " ") for t in self.required_terms)
            return f"no approval; the proposal must record: {terms}"
        who = " or ".join(sorted(r.label.lower() for r in self.eligible_roles))
        text = f"{self.approvals} distinct approver{'s' if self.approvals > 1 else ''} ({who})"
        if self.must_include:
            text += ", including " + " and ".join(r.label.lower() for r in self.must_include)
        if not self.proposer_may_approve:
            text += ", not the proposer"
        else:
            text += "; the proposer may act alone"
        if self.follow_up_review_hours:
            text += f"; a second review within {self.follow_up_review_hours} hours"
        if self.same_as_enforced_action:
            text += " (as the action it enforces, when it enforces one)"
        return text


class AppealRoute(StrEnum):
    CASE_REVIEW_COMMITTEE = "case_review_committee"  # eligible T&S actions, after legal approval
    APPEALS_ADDRESS = "appeals_address"  # legal counsel approves, staff review
    COUNTER_NOTICE = "counter_notice"  # DMCA: the statutory counter-notice, not an appeal
    WITH_ENFORCED_ACTION = "with_enforced_action"
    NONE = "none"


@dataclass(frozen=True)
class AppealRule:
    route: AppealRoute
    window_months: int | None = 6
    note: str = ""

    @property
    def appealable(self) -> bool:
        return self.route in (AppealRoute.CASE_REVIEW_COMMITTEE, AppealRoute.APPEALS_ADDRESS)


@dataclass(frozen=True)
class ActionKind:
    code: str
    name: str  # in the policy's own words
    team: Team
    target: Target
    response: ResponseTarget | None
    review: ReviewRule
    appeal: AppealRule
    visibility: Visibility
    # For CASE_STAFF: roles that see the case besides its staff. For DESIGNATED: the only roles
    # that ever see it (assignment to anyone else is refused).
    visibility_roles: frozenset[Role] = frozenset()
    performer: Performer = Performer.OFFICE_ACCOUNT
    primary: bool = True  # secondary actions requested directly are deferred to the community
    other_teams: tuple[Team, ...] = ()
    public_fields: tuple[str, ...] = ()
    summary: str = ""
    # Intake: may the public request it, and must a request show earlier community attempts?
    publicly_requestable: bool = True
    community_process_expected: bool = True
    first_in_queue: bool = False  # child protection: always first in every queue
    alert_roles: frozenset[Role] = frozenset()  # told at once when a case of this kind opens
    enforces_kinds: tuple[str, ...] = ()  # the actions a case of this kind may enforce
    # Bans usually follow warnings: the earlier actions of these kinds against the same person
    # form the case's warning history, and a proposal without any is a direct ban.
    warning_kinds: tuple[str, ...] = ()
    # Delivered to the person as a message drafted from this template (conduct warning).
    notice_template: str = ""
    # Listed by username on the public list of people banned (global bans in effect).
    public_ban_list: bool = False
    # Counted in the half-yearly report in a section of its own, as (section, item), and never
    # among the other confidential kinds (child protection).
    report_apart: tuple[str, str] | tuple[()] = ()

    @property
    def teams(self) -> tuple[Team, ...]:
        return (self.team, *self.other_teams)

    @property
    def is_confidential(self) -> bool:
        return self.visibility.is_confidential


_APPROVERS = frozenset({Role.REVIEWER, Role.LEGAL_COUNSEL})
_SIX_MONTHS = AppealRule(AppealRoute.CASE_REVIEW_COMMITTEE, 6)

GLOBAL_BAN = ActionKind(
    code="global_ban",
    name="global ban",
    team=Team.TRUST_AND_SAFETY,
    target=Target.INDIVIDUAL,
    response=ResponseTarget(weeks=4),
    review=ReviewRule(
        approvals=3, eligible_roles=_APPROVERS, must_include=frozenset({Role.LEGAL_COUNSEL})
    ),
    appeal=_SIX_MONTHS,
    visibility=Visibility.STAFF,
    performer=Performer.OFFICE_ACCOUNT,
    public_fields=("usernames", "date"),
    summary="Bans a person, not a username, from every Foundation site, platform and event.",
    warning_kinds=("conduct_warning", "event_ban"),
    public_ban_list=True,
)

EVENT_BAN = ActionKind(
    code="event_ban",
    name="event ban",
    team=Team.TRUST_AND_SAFETY,
    target=Target.INDIVIDUAL,
    response=ResponseTarget(weeks=4),
    review=ReviewRule(approvals=2, eligible_roles=_APPROVERS),
    appeal=AppealRule(
        AppealRoute.APPEALS_ADDRESS,
        6,
        "Only when the notice gives no expiry and does not say it is irrevocable; "
        "not when the event ban is part of, or led to, a global ban.",
    ),
    visibility=Visibility.STAFF,
    performer=Performer.NONE,
    summary="Restricts attendance at in-person events, scoped by place, project and time.",
)

DMCA_TAKEDOWN = ActionKind(
    code="dmca_takedown",
    name="DMCA takedown",
    team=Team.LEGAL,
    target=Target.CONTENT,
    response=ResponseTarget(business_days=7),
    review=ReviewRule(
        approvals=1,
        eligible_roles=frozenset({Role.LEGAL_COUNSEL}),
        must_include=frozenset({Role.LEGAL_COUNSEL}),
    ),
    appeal=AppealRule(AppealRoute.COUNTER_NOTICE, None, "Challenged by a DMCA counter-notice."),
    visibility=Visibility.STAFF,
    performer=Performer.STAFF_ACCOUNT,
    public_fields=("title", "date", "wiki"),
    summary="Removes content after a DMCA notice that passes the statutory validity check.",
    community_process_expected=False,
)

CHILD_PROTECTION = ActionKind(
    code="child_protection",
    name="child protection",
    team=Team.TRUST_AND_SAFETY,
    target=Target.CONTENT_OR_USER,
    response=ResponseTarget(hours=24),
    review=ReviewRule(
        approvals=1,
        eligible_roles=frozenset({Role.CHILD_PROTECTION}),
        proposer_may_approve=True,
        follow_up_review_hours=24,
    ),
    appeal=AppealRule(
        AppealRoute.NONE,
        None,
        "Content removal is not appealable; a ban that follows is appealed as a ban, "
        "never before the Case Review Committee.",
    ),
    visibility=Visibility.DESIGNATED,
    visibility_roles=frozenset({Role.CHILD_PROTECTION}),
    performer=Performer.OFFICE_ACCOUNT,
    summary="Acts at once where minors are at risk; reported to NCMEC; never public.",
    community_process_expected=False,
    first_in_queue=True,
    alert_roles=frozenset({Role.CHILD_PROTECTION}),
    report_apart=("Child protection", "child-protection reports"),
)

CONDUCT_WARNING = ActionKind(
    code="conduct_warning",
    name="conduct warning",
    team=Team.TRUST_AND_SAFETY,
    target=Target.INDIVIDUAL,
    response=None,
    review=ReviewRule(
        approvals=2, eligible_roles=frozenset({Role.REVIEWER, Role.TS_STAFF, Role.LEGAL_COUNSEL})
    ),
    appeal=_SIX_MONTHS,
    visibility=Visibility.CASE_STAFF,
    performer=Performer.NONE,
    primary=False,
    summary="A confidential warning after review by multiple relevant staff.",
    notice_template="conduct_warning",
)

RIGHTS_REMOVAL = ActionKind(
    code="rights_removal",
    name="removal of advanced rights",
    team=Team.TRUST_AND_SAFETY,
    target=Target.FUNCTIONARY_RIGHTS,
    response=None,
    review=ReviewRule(
        approvals=2,
        eligible_roles=_APPROVERS,
        required_terms=("wiki", "username", "groups", "no_rights_period", "reapply_criteria"),
    ),
    appeal=_SIX_MONTHS,
    visibility=Visibility.STAFF,
    performer=Performer.OFFICE_ACCOUNT,
    primary=False,
    public_fields=("username", "wiki", "date"),
    summary="Removes a functionary's advanced groups on named wikis after a breach of trust.",
)

CHECKUSER = ActionKind(
    code="checkuser",
    name="CheckUser use by staff",
    team=Team.TRUST_AND_SAFETY,
    target=Target.ACCOUNTS_AND_IPS,
    response=None,
    review=ReviewRule(
        approvals=0,
        eligible_roles=frozenset(),
        required_terms=("purpose", "no_other_reasonable_way"),
    ),
    appeal=AppealRule(
        AppealRoute.NONE, None, "An investigative step, not an action against someone."
    ),
    visibility=Visibility.CASE_STAFF,
    performer=Performer.STAFF_ACCOUNT,
    primary=False,
    summary="Staff CheckUser, only when pertinent and no other reasonable way exists.",
    publicly_requestable=False,  # the policy: community requests for it are not customary
)

PAGE_PROTECTION = ActionKind(
    code="page_protection",
    name="office page protection",
    team=Team.TRUST_AND_SAFETY,
    other_teams=(Team.LEGAL,),
    target=Target.PAGE,
    response=None,
    review=ReviewRule(
        approvals=1,
        eligible_roles=frozenset({Role.LEGAL_COUNSEL}),
        must_include=frozenset({Role.LEGAL_COUNSEL}),
        required_terms=("grounds", "wiki", "page"),
    ),
    appeal=AppealRule(AppealRoute.APPEALS_ADDRESS, 6),
    visibility=Visibility.STAFF,
    performer=Performer.OFFICE_ACCOUNT,
    primary=False,
    public_fields=("page", "wiki", "date"),
    summary="Protects a page with {{pp-office}}; needs a court order or a substantial risk.",
)

RANGE_BLOCK = ActionKind(
    code="range_block",
    name="range block",
    team=Team.TRUST_AND_SAFETY,
    target=Target.IP_RANGE,
    response=ResponseTarget(same_as_enforced_action=True),
    review=ReviewRule(approvals=2, eligible_roles=_APPROVERS, same_as_enforced_action=True),
    appeal=AppealRule(AppealRoute.WITH_ENFORCED_ACTION, None, "Appealed with the action."),
    visibility=Visibility.STAFF,
    performer=Performer.STAFF_ACCOUNT,
    primary=False,
    public_fields=("range", "wiki", "date"),
    summary="Blocks an IP range, usually to enforce a global ban.",
    enforces_kinds=("global_ban",),
)


@dataclass(frozen=True)
class Catalog:
    kinds: Mapping[str, ActionKind] = field(default_factory=dict)

    def __iter__(self) -> Iterator[ActionKind]:
        return iter(self.kinds.values())

    def __len__(self) -> int:
        return len(self.kinds)

    def __contains__(self, code: object) -> bool:
        return code in self.kinds

    def get(self, code: str) -> ActionKind:
        try:
            return self.kinds[code]
        except KeyError:
            known = ", ".join(self.kinds)
            raise PolicyRefusal(f"Unknown action kind {code!r}; known kinds: {known}.") from None

    def choices(self) -> list[tuple[str, str]]:
        return [(k.code, k.name) for k in self]

    def review_rule(self, kind: ActionKind, enforces: ActionKind | None = None) -> ReviewRule:
        """The rule that applies; a range block enforcing another action takes that one's."""
        if kind.review.same_as_enforced_action and enforces is not None:
            return self.review_rule(enforces)
        return kind.review

    def performer(self, kind: ActionKind, enforces: ActionKind | None = None) -> Performer:
        # Policy: range blocks enforcing a global ban come from the office account; any other
        # range block from a staff account.
        if kind.review.same_as_enforced_action and enforces is not None:
            return Performer.OFFICE_ACCOUNT if enforces.code == GLOBAL_BAN.code else kind.performer
        return kind.performer

    def with_review_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> Catalog:
        """A copy with operator-set review numbers, e.g. ``{"global_ban": {"approvals": 4}}``."""
        kinds = dict(self.kinds)
        for code, changes in overrides.items():
            kind = self.get(code)
            allowed = {"approvals", "eligible_roles", "must_include", "follow_up_review_hours"}
            unknown = set(changes) - allowed
            if unknown:
                raise PolicyRefusal(
                    f"Review override for {code} names unknown fields: {', '.join(sorted(unknown))}"
                )
            values = dict(changes)
            for name in ("eligible_roles", "must_include"):
                if name in values:
                    values[name] = frozenset(Role(r) for r in values[name])
            if "approvals" in values and int(values["approvals"]) < 0:
                raise PolicyRefusal(f"Review override for {code}: approvals cannot be negative")
            kinds[code] = replace(kind, review=replace(kind.review, **values))
        return Catalog(kinds)


CATALOG = Catalog(
    {
        k.code: k
        for k in (
            GLOBAL_BAN,
            EVENT_BAN,
            DMCA_TAKEDOWN,
            CHILD_PROTECTION,
            CONDUCT_WARNING,
            RIGHTS_REMOVAL,
            CHECKUSER,
            PAGE_PROTECTION,
            RANGE_BLOCK,
        )
    }
)
