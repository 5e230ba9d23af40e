"""The revert watch: each wiki's log read for changes to office actions by anyone other than
the office; each one recorded as an incident and, if so configured, the action re-applied."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from officeactions.audit.services import audit_append
from officeactions.cases.extensions import Hook, registry
from officeactions.enforcement.models import Incident, Operation, WikiLogCursor
from officeactions.enforcement.operations import UNDOING, WATCHED, perform, undone_by
from officeactions.enforcement.planner import reason_for
from officeactions.enforcement.wiki import WikiClient, WikiError
from officeactions.enforcement.wikis import WikiConfig, load_wikis
from officeactions.policy.workflow import CaseState

State = Operation.State


def _event_time(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))


def revert_watch_run(reapply: bool | None = None) -> list[Incident]:
    """Read each wiki's log since last time; catch changes to office actions by others."""
    reapply = settings.OFFICEACTIONS_REVERT_REAPPLY if reapply is None else reapply
    incidents = []
    for wiki in load_wikis().values():
        incidents += _watch_wiki(wiki, reapply)
    return incidents


def _watch_wiki(wiki: WikiConfig, reapply: bool) -> list[Incident]:
    cursor, _ = WikiLogCursor.objects.get_or_create(wiki=wiki.dbname)
    # Everything the office did that still stands: not lifted or expired, not undone since
    # (child-protection suppressions stand whatever the state of their case).
    undone = Operation.objects.filter(
        case=OuterRef("case"),
        wiki=OuterRef("wiki"),
        target=OuterRef("target"),
        op__in=UNDOING,
        state=State.VERIFIED,
    )
    active = list(
        Operation.objects.filter(wiki=wiki.dbname, op__in=WATCHED, state=State.VERIFIED)
        .exclude(case__state__in=[CaseState.LIFTED, CaseState.EXPIRED])
        .exclude(Exists(undone))
        .select_related("case")
    )
    authorised = {wiki.office_username} | {a.username.split("@")[0] for a in wiki.staff.values()}
    found: list[Incident] = []
    with WikiClient(wiki.api_url, wiki.office) as client:
        events = client.log_events(start_id=cursor.last_logid, since=cursor.last_timestamp or None)
        for event in events:
            if event.get("user") in authorised:
                continue
            for op in active:
                if op.done_at and _event_time(event) < op.done_at.replace(microsecond=0):
                    continue
                if undone_by(event, op):
                    incident = _incident(wiki, op, event)
                    if incident is not None:
                        registry.call(Hook.AFTER_REVERT, operation=op, incident=incident)
                        if reapply:
                            _reapply(client, wiki, op, incident)
                        found.append(incident)
        if events:
            newest = max(events, key=lambda e: e["logid"])
            cursor.last_logid, cursor.last_timestamp = newest["logid"], newest["timestamp"]
        cursor.checked_at = timezone.now()
        cursor.save()
    return found


@transaction.atomic
def _incident(wiki: WikiConfig, op: Operation, event: dict[str, Any]) -> Incident | None:
    incident, created = Incident.objects.get_or_create(
        wiki=wiki.dbname,
        logid=event["logid"],
        operation=op,
        defaults={
            "case": op.case,
            "change": f"{event['type']}/{event['action']}",
            "wiki_user": event.get("user", ""),
            "comment": event.get("comment", ""),
            "happened_at": _event_time(event),
        },
    )
    if not created:
        return None
    audit_append(
        actor=None,
        action="enforcement.incident",
        object_type="incident",
        object_id=str(incident.pk),
        case=op.case,
        data={
            "wiki": wiki.dbname,
            "change": incident.change,
            "by": incident.wiki_user,
            "target": op.target,
        },
    )
    return incident


def _reapply(client: WikiClient, wiki: WikiConfig, op: Operation, incident: Incident) -> None:
    try:
        state, message = perform(client, op, reason_for(op.case), wiki.office_username)
    except WikiError as exc:
        state, message = State.FAILED, exc.message
    with transaction.atomic():
        incident.reapplied = state == State.VERIFIED
        incident.message = message
        incident.save(update_fields=["reapplied", "message"])
        audit_append(
            actor=None,
            action="enforcement.reapplied" if incident.reapplied else "enforcement.reapply_failed",
            object_type="incident",
            object_id=str(incident.pk),
            case=op.case,
            data={"wiki": wiki.dbname, "target": op.target, "message": message},
        )
