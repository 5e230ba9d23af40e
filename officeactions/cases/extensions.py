"""The engine's registry: what a kind app adds to a case, registered in its AppConfig.ready().

The engine and the readers never name a kind. A kind app registers here, for the kinds it
serves, what the case page shows (a section in a slot of the page, with its context), the
fields it adds to the case detail API, when one of the engine's steps does not apply, and the
hooks the engine calls at fixed points of a case's life. What differs between kinds and is
plain data (review counts, windows, visibility) stays in ``policy/catalog.py`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from officeactions.policy.catalog import CATALOG

if TYPE_CHECKING:
    from rest_framework.fields import Field

    from officeactions.cases.models import Case
    from officeactions.policy.workflow import Transition


class Slot(StrEnum):
    """Where on the case page a section stands."""

    REQUEST = "request"  # inside the first card, after the subject: how the case arrived
    KIND = "kind"  # the kind's own work, before the proposal
    AFTER_PROPOSAL = "after_proposal"  # after the proposal: what was carried out, and since
    BEFORE_STEPS = "before_steps"  # at the top of the steps panel
    AFTER_ACTIONS = "after_actions"  # after the steps panel: people around the case


class Hook(StrEnum):
    """Fixed points of a case's life at which the engine calls what kind apps registered.

    Each entry says the keyword arguments the callables receive and what they return.
    """

    # case, actor, step, message, seriousness, bad_faith -> None: a triage step was taken.
    AFTER_TRIAGE = "after_triage"
    # operation -> None: an operation on a wiki was carried out and read back.
    AFTER_VERIFIED = "after_verified"
    # operation, incident -> None: someone other than the office undid an operation.
    AFTER_REVERT = "after_revert"
    # case -> str | None: why this case's action may not be appealed (None: it may be).
    APPEAL_REFUSAL = "appeal_refusal"
    # start, end -> {"filed": n, outcome: n, ...}: appeals filed and decided in [start, end),
    # counts only (the appeals reader answers; the transparency reader publishes them).
    APPEAL_COUNTS = "appeal_counts"
    # (no arguments) -> None: what the ban check answers changed (a case moved into or out of
    # "in effect", a subject's accounts or addresses, an account added to a ban, an event).
    # Called inside the transaction that made the change; the ban check counts its version.
    BANS_CHANGED = "bans_changed"


@dataclass(frozen=True)
class CaseSection:
    """A part of the case page that a kind app owns: a template and the names it needs."""

    slot: Slot
    template: str
    context: Callable[[Case, Any], Mapping[str, Any]]  # (case, user) -> template names
    kinds: frozenset[str] = frozenset()  # empty: every case
    order: int = 50  # within its slot, lowest first (then in the order registered)

    def applies_to(self, case: Case) -> bool:
        return not self.kinds or case.kind in self.kinds


@dataclass(frozen=True)
class ApiField:
    """A read-only field a kind app adds to the case detail API (a DRF field with a source)."""

    name: str
    make: Callable[[], Field]


# (case, transition) -> the reason the step does not apply to this case, or None.
StepCondition = Callable[["Case", "Transition"], "str | None"]


@dataclass
class Registry:
    sections: list[CaseSection] = field(default_factory=list)
    api_fields: list[ApiField] = field(default_factory=list)
    step_conditions: list[StepCondition] = field(default_factory=list)
    step_forms: dict[str, list[tuple[frozenset[str], str]]] = field(default_factory=dict)
    hooks: dict[Hook, list[Callable[..., Any]]] = field(default_factory=dict)

    def add_section(self, section: CaseSection) -> None:
        self.sections.append(section)

    def add_api_field(self, name: str, make: Callable[[], Field]) -> None:
        if any(f.name == name for f in self.api_fields):
            raise ValueError(f"The case API field {name!r} is registered twice.")
        self.api_fields.append(ApiField(name, make))

    def add_step_condition(self, condition: StepCondition) -> None:
        self.step_conditions.append(condition)

    def add_step_form(self, step: str, template: str, kinds: frozenset[str] = frozenset()) -> None:
        """The form the case page shows for a step of the workflow table, for the kinds given
        (empty: every kind without a form of its own); by default a step shows a reason and a
        button that posts it."""
        forms = self.step_forms.setdefault(step, [])
        if any(k == kinds for k, _ in forms):
            raise ValueError(f"The step {step!r} has its form registered twice.")
        forms.append((kinds, template))

    def on(self, hook: Hook, callback: Callable[..., Any]) -> None:
        self.hooks.setdefault(hook, []).append(callback)

    # -- what the engine asks ------------------------------------------------------------

    def sections_for(self, case: Case, user: Any) -> tuple[dict[str, list[str]], dict[str, Any]]:
        """The templates of each slot that apply to this case, and the names they need."""
        slots: dict[str, list[str]] = {slot.value: [] for slot in Slot}
        context: dict[str, Any] = {}
        for section in sorted(self.sections, key=lambda s: s.order):
            if section.applies_to(case):
                slots[section.slot].append(section.template)
                context.update(section.context(case, user))
        return slots, context

    def step_form(self, step: str, case: Case) -> str:
        forms = self.step_forms.get(step, [])
        for kinds, template in forms:
            if case.kind in kinds:
                return template
        return next((template for kinds, template in forms if not kinds), "")

    def step_refusal(self, case: Case, transition: Transition) -> str | None:
        for condition in self.step_conditions:
            if reason := condition(case, transition):
                return reason
        return None

    def call(self, hook: Hook, **kwargs: Any) -> list[Any]:
        return [callback(**kwargs) for callback in self.hooks.get(hook, ())]

    def first(self, hook: Hook, **kwargs: Any) -> Any:
        """The first answer that is not None (e.g. the first reason for a refusal)."""
        for callback in self.hooks.get(hook, ()):
            if (answer := callback(**kwargs)) is not None:
                return answer
        return None


registry = Registry()


def no_context(case: Case, user: Any) -> dict[str, Any]:
    """For a section whose template reads only the case (or gathers its own names)."""
    return {}


def kinds(*codes: str) -> frozenset[str]:
    """The kinds a registration serves; checked against the catalog so a typo fails loudly."""
    for code in codes:
        CATALOG.get(code)
    return frozenset(codes)
