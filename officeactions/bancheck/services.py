"""The ban check: build the index from the actions in effect, keep it current, answer checks.

Freshness. Every change to what a check answers (a case entering or leaving "in effect", a
subject's accounts or addresses recorded, an account added to a ban, an event created) counts
``BanListVersion`` up in the same transaction: the service making the change calls the engine's
hook ``Hook.BANS_CHANGED``, for which this app registers ``ban_list_bump``. On PostgreSQL the
same transaction sends ``NOTIFY officeactions_bancheck``; each process has one listener thread
that rebuilds its index and swaps it in when told (and, as a safety net, compares the version
every ``POLL_SECONDS``). On SQLite a check compares the version at most every ``POLL_SECONDS``
and rebuilds when it moved. The process that made the change looks again at its next check.
So a new, lifted or expired ban is seen by every process within ``POLL_SECONDS`` (1 s by
default) plus the rebuild time (about a second per 100,000 rules read from the database), with
no restart. Expiry itself is compared at lookup time and needs no rebuild.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from officeactions.accounts.roles import user_roles
from officeactions.accounts.services import api_token_create
from officeactions.audit.services import audit_append
from officeactions.bancheck.index import BanIndex, Match, Rule
from officeactions.bancheck.models import BanListVersion
from officeactions.cases.configured import catalog, office_time_zone
from officeactions.cases.models import Case, ProposedAction, SubjectAccount, SubjectAddress
from officeactions.enforcement.wikis import load_wikis
from officeactions.errors import InvalidInput, NotFound, NotPermitted
from officeactions.events.models import Event, EventBanScope, OrganiserDesignation
from officeactions.events.services import EVENT_BAN, today
from officeactions.policy import STAFF_ROLES, PolicyRefusal, Role
from officeactions.policy.bancheck import (
    MAX_QUERY_CHARS,
    address_key,
    expiry_from_terms,
    network_text,
    username_key,
)
from officeactions.policy.catalog import Performer, Target
from officeactions.policy.events import scope_covers
from officeactions.policy.workflow import CaseState

log = logging.getLogger(__name__)
CHANNEL = "officeactions_bancheck"
POLL_SECONDS: float = getattr(settings, "OFFICEACTIONS_BANCHECK_POLL_SECONDS", 1.0)


# -- building -----------------------------------------------------------------------------


def _blocking_kinds() -> dict[str, Any]:
    """The kinds whose cases in effect block accounts or addresses on the wikis: carried out
    on a wiki against a person or a range, and never confidential (child protection, conduct
    warnings and CheckUser are never named by a check)."""
    return {
        k.code: k
        for k in catalog()
        if not k.is_confidential
        and k.performer is not Performer.NONE
        and k.target in (Target.INDIVIDUAL, Target.IP_RANGE)
    }


def case_entries(index: BanIndex) -> None:
    """Global bans and range blocks in effect: their accounts and addresses."""
    kinds = _blocking_kinds()
    in_effect = Case.objects.filter(state=CaseState.IN_EFFECT, kind__in=list(kinds))
    expiry = {
        case_id: expiry_from_terms(terms)
        for case_id, terms in ProposedAction.objects.filter(
            case__in=in_effect, status=ProposedAction.Status.APPROVED
        ).values_list("case_id", "terms")
    }
    by_subject: dict[int, list[tuple[Rule, bool]]] = defaultdict(list)
    for pk, reference, kind_code, subject_id in in_effect.values_list(
        "pk", "reference", "kind", "subject_id"
    ):
        kind, ends = kinds[kind_code], expiry.get(pk)
        rule = Rule(
            reference=reference,
            action=kind_code,
            expires_at=ends.timestamp() if ends else None,
            address_public="range" in kind.public_fields,
        )
        by_subject[subject_id].append((rule, kind.target is Target.INDIVIDUAL))
    subjects = in_effect.values("subject_id")
    for subject_id, username in SubjectAccount.objects.filter(subject_id__in=subjects).values_list(
        "subject_id", "username"
    ):
        for rule, blocks_accounts in by_subject[subject_id]:
            if blocks_accounts:  # a range block blocks addresses only
                _add(index.add_account, username, rule)
    for subject_id, address in SubjectAddress.objects.filter(subject_id__in=subjects).values_list(
        "subject_id", "address"
    ):
        for rule, _ in by_subject[subject_id]:
            _add(index.add_network, address, rule)


def _add(add: Callable[[str, Rule], None], target: str, rule: Rule) -> None:
    try:
        add(target, rule)
    except PolicyRefusal as exc:  # stored before today's checks; the wikis refuse it too
        log.warning("ban check: %s of %s left out: %s", target, rule.reference, exc.message)


def event_entries(index: BanIndex) -> None:
    """Every event the desk knows, and the names under each event ban in effect whose scope
    covers it (place, project, dates). Global bans apply at every event through their
    accounts, which case_entries adds."""
    tz = office_time_zone()
    scopes = list(
        EventBanScope.objects.select_related("case").filter(
            case__kind=EVENT_BAN, case__state=CaseState.IN_EFFECT
        )
    )
    for event in Event.objects.all():
        index.add_event(event.pk)
        wanted = event.as_policy()
        for scope in scopes:
            if not scope_covers(scope.as_policy(), wanted):
                continue
            ends = None
            if scope.until is not None:  # through the last day, on the office's calendar
                ends = datetime.combine(
                    scope.until + timedelta(days=1), clock_time(), tz
                ).timestamp()
            rule = Rule(reference=scope.case.reference, action=EVENT_BAN, expires_at=ends)
            for name in {scope.listed_name, *scope.other_names}:
                _add(partial(index.add_event_ban, event.pk), name, rule)


# Each source adds the entries of one kind of office action to a new index.
ENTRY_SOURCES: list[Callable[[BanIndex], None]] = [case_entries, event_entries]


def ban_list_version() -> int:
    return BanListVersion.objects.filter(pk=1).values_list("counter", flat=True).first() or 0


def build_index() -> BanIndex:
    """A new index of everything in effect now, stamped with the version it was built from."""
    with transaction.atomic():
        # Read first: a change committed during the build moves the version past this one,
        # so the next comparison rebuilds again rather than missing it.
        index = BanIndex(version=ban_list_version())
        for source in ENTRY_SOURCES:
            source(index)
    return index.seal()


# -- freshness ----------------------------------------------------------------------------


def ban_list_bump() -> None:
    """Count the version up in the caller's transaction; tell the other processes at commit.
    Registered for ``Hook.BANS_CHANGED``, which the services changing bans call."""
    if not BanListVersion.objects.filter(pk=1).update(counter=F("counter") + 1):
        try:
            with transaction.atomic():
                BanListVersion.objects.create(pk=1, counter=1)
        except IntegrityError:  # created meanwhile by another transaction
            BanListVersion.objects.filter(pk=1).update(counter=F("counter") + 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # NOTIFY is transactional: delivered at commit, dropped on rollback.
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    transaction.on_commit(_look_again_now)


@dataclass
class _Current:
    index: BanIndex | None = None
    pid: int = 0
    next_poll: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    listener: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)


_current = _Current()


def _look_again_now() -> None:
    _current.next_poll = 0.0


def current_index() -> BanIndex:
    """This process's index, built on first use and kept current (see the module's notes)."""
    index = _current.index
    if index is None or _current.pid != os.getpid():
        return _start()
    # With a listener (PostgreSQL) the listener thread refreshes; the check never waits.
    if _current.listener is None and time.monotonic() >= _current.next_poll:
        _refresh()
    # The newest (_refresh or the listener may have swapped one in since); the one read above
    # only if forget_index dropped it meanwhile.
    newest = _current.index
    return index if newest is None else newest


def _start() -> BanIndex:
    with _current.lock:
        if _current.index is None or _current.pid != os.getpid():
            # After a fork (gunicorn workers) nothing of the parent's is ours: build afresh.
            _current.index, _current.pid, _current.listener = build_index(), os.getpid(), None
            _current.stop = threading.Event()
            _current.next_poll = time.monotonic() + POLL_SECONDS
            if connection.vendor == "postgresql" and getattr(
                settings, "OFFICEACTIONS_BANCHECK_LISTEN", True
            ):
                _current.listener = threading.Thread(
                    target=_listen,
                    args=(dict(connection.settings_dict), _current.stop),
                    name="bancheck-listener",
                    daemon=True,
                )
                _current.listener.start()
        return _current.index


def _refresh(only_if_newer: bool = False) -> None:
    """Rebuild if the version moved. Whoever gets the lock rebuilds; the others go on with
    the index they have rather than wait."""
    if not _current.lock.acquire(blocking=False):
        return
    try:
        _current.next_poll = time.monotonic() + POLL_SECONDS
        version, index = ban_list_version(), _current.index
        if index is not None and (
            version > index.version or (not only_if_newer and version != index.version)
        ):
            _current.index = build_index()
    finally:
        _current.lock.release()


def _listen(settings_dict: dict[str, Any], stop: threading.Event) -> None:
    """PostgreSQL: wait for NOTIFY on its own connection; rebuild when told."""
    import psycopg

    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    while not stop.is_set():
        try:
            with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                # Anything committed before we listened; only newer versions, since the index
                # may have been read inside a transaction that has not committed yet.
                _refresh(only_if_newer=True)
                while not stop.is_set():
                    told = any(True for _ in conn.notifies(timeout=0.5, stop_after=1))
                    if told or time.monotonic() >= _current.next_poll:
                        _refresh(only_if_newer=True)
        except Exception:
            log.exception("ban check listener: connection lost; polling until it is back")
            stop.wait(1.0)
        finally:
            connection.close()  # this thread's own Django connection


def forget_index() -> None:
    """Drop this process's index and stop its listener (tests; a reload)."""
    with _current.lock:
        _current.stop.set()
        listener, _current.listener, _current.index = _current.listener, None, None
    if listener is not None:
        listener.join(timeout=10)


# -- who may ask ----------------------------------------------------------------------------


def may_check_bans(user: Any) -> bool:
    """Office staff, event organisers, and accounts given the permission (a wiki's token)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user_roles(user) & (STAFF_ROLES | {Role.EVENT_ORGANISER}):
        return True
    return user.has_perm("bancheck.check_bans")


def organiser_check(user: Any, *, user_asked: str | None, ip: str | None, event: Any) -> None:
    """An event organiser (with no staff role or wiki token) asks only about attendees of an
    event they are designated for today, by name, never by address (a ban's addresses are
    never theirs to learn); each question is audited, as a check-in on their list is.
    Raises NotFound for any other event, so that other events' existence does not show."""
    if user_roles(user) & STAFF_ROLES or user.has_perm("bancheck.check_bans"):
        return
    if ip is not None:
        raise NotPermitted("An event organiser asks by name only, without an address.")
    if event is None:
        raise NotPermitted("An event organiser asks about one event: give its id (event).")
    designated = OrganiserDesignation.objects.filter(
        organiser=user,
        event_id=event,
        revoked_at__isnull=True,
        valid_from__lte=today(),
        valid_until__gte=today(),
    ).exists()
    if not designated:
        raise NotFound(f"Unknown event {event}.")
    audit_append(
        actor=user,
        action="bancheck.organiser_check",
        object_type="event",
        object_id=str(event),
        data={"asked": (user_asked or "")[:255]},
    )


@transaction.atomic
def check_token_issue(*, name: str, actor: Any = None) -> str:
    """A token for a wiki or login hook to call the ban check with: a user of that name with
    only the permission to check (no password, no role), and its token. Audited."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    name = name.strip()
    if not name or len(name) > 150 or not name.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("A token name is 1 to 150 letters, digits, '-' or '_' (e.g. enwiki).")
    user, created = get_user_model().objects.get_or_create(username=f"bancheck-{name}")
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.user_permissions.add(
        Permission.objects.get(codename="check_bans", content_type__app_label="bancheck")
    )
    _, secret = api_token_create(user=user, name=f"ban check: {name}")
    audit_append(
        actor=actor,
        action="bancheck.token_issue",
        object_type="user",
        object_id=str(user.pk),
        data={"username": user.username, "new_user": created},
    )
    return secret


# -- checking -----------------------------------------------------------------------------

_wiki_names: dict[tuple[str, float], frozenset[str]] = {}


def known_wikis() -> frozenset[str]:
    path = Path(settings.OFFICEACTIONS_WIKI_REGISTRY)
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        return frozenset()
    if key not in _wiki_names:
        _wiki_names.clear()
        _wiki_names[key] = frozenset(load_wikis(path))
    return _wiki_names[key]


class BanCheck(NamedTuple):
    """One answer; a named tuple, since one is made on every check. The question is kept as
    asked (the index has validated it) and shown normalised only when read: most answers are
    read for ``banned`` alone."""

    asked_user: str | None
    asked_ip: str | None
    wiki: str | None
    event: int | None
    matches: list[Match]
    index_version: int

    @property
    def banned(self) -> bool:
        return bool(self.matches)

    @property
    def user(self) -> str | None:
        """The username as MediaWiki normalises it."""
        return username_key(self.asked_user) if self.asked_user is not None else None

    @property
    def ip(self) -> str | None:
        """The address in its canonical text, IPv4-mapped IPv6 as IPv4."""
        if self.asked_ip is None:
            return None
        packed = address_key(self.asked_ip)
        return network_text(packed, len(packed) * 8)

    def as_dict(self) -> dict[str, Any]:
        kinds = catalog()
        return {
            "banned": self.banned,
            "user": self.user,
            "ip": self.ip,
            "wiki": self.wiki,
            "event": self.event,
            "matches": [
                {
                    "action": m.rule.action,
                    "action_name": kinds.get(m.rule.action).name,
                    "reference": m.rule.reference,
                    "block": m.block.value,
                    "target": m.target,
                    "expires_at": (
                        datetime.fromtimestamp(m.rule.expires_at, UTC).isoformat()
                        if m.rule.expires_at
                        else None
                    ),
                }
                for m in self.matches
            ],
            "index_version": self.index_version,
        }


def check(
    user: str | None = None,
    ip: str | None = None,
    *,
    wiki: str | None = None,
    event: int | None = None,
    now: float | None = None,
) -> BanCheck:
    """Does an office action in effect apply to this account and/or address (and event)?

    A global ban applies on every wiki, and so does a range block, so ``wiki`` only has to be
    one the desk knows. ``event`` asks for event bans too: an event is known once an entry
    source registers it (``BanIndex.add_event``) and its bans come in through
    ``BanIndex.add_event_ban`` from a source listed in ``ENTRY_SOURCES``; with none listed,
    every event is unknown. Raises InvalidInput (400) for a malformed username or address and
    NotFound (404) for an unknown wiki or event; never answers "not banned" for bad input.
    """
    if user is None and ip is None:
        raise InvalidInput("Give a username (user), an IP address (ip), or both.")
    if user is not None and len(user) > MAX_QUERY_CHARS:
        raise InvalidInput(f"The user is too long ({len(user)} characters).")
    if ip is not None and len(ip) > MAX_QUERY_CHARS:
        raise InvalidInput(f"The ip is too long ({len(ip)} characters).")
    if wiki is not None and wiki not in known_wikis():
        raise NotFound(f"Unknown wiki {wiki!r}.")
    index = current_index()
    if event is not None and not index.knows_event(event):
        raise NotFound(f"Unknown event {event}.")
    try:
        matches = index.check(user, ip, event, now)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    return BanCheck(user, ip, wiki, event, matches, index.version)
