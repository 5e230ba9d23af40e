from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from officeactions.audit.models import AuditEntry, AuditHead

GENESIS_HASH = "0" * 64
UTC = datetime.UTC


def entry_hash(entry: AuditEntry) -> str:
    """The hash of an entry's content and the hash before it, in a canonical form."""
    body = {
        "seq": entry.seq,
        "created_at": entry.created_at.astimezone(UTC).isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "case_id": entry.case_id,
        "reason": entry.reason,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def audit_append(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    object_type: str,
    object_id: str,
    case: Any = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry, in the caller's transaction, so it commits or rolls back with it."""
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
    )
    entry = AuditEntry(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor_id=actor.pk if actor else None,
        actor_name=actor.get_username() if actor else "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        case=case,
        reason=reason,
        # Round-trip through JSON so the hash covers exactly what the database will hand back.
        data=json.loads(json.dumps(data or {}, default=str)),
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry)
    entry.save(force_insert=True)
    head.last_seq, head.last_hash = entry.seq, entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    entries: int
    problem: str = ""
    first_broken_seq: int | None = None


def audit_verify() -> ChainReport:
    """Walk the chain from the start; report the first entry that is missing or altered."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainReport(
                False,
                count,
                f"entry #{expected_seq} is missing (the next entry present is #{entry.seq})",
                expected_seq,
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                False,
                count,
                f"entry #{entry.seq} ({entry.action}) does not link to the entry before it",
                entry.seq,
            )
        if entry_hash(entry) != entry.hash:
            return ChainReport(
                False,
                count,
                f"entry #{entry.seq} ({entry.action}) was altered after it was written",
                entry.seq,
            )
        expected_seq, prev_hash, count = expected_seq + 1, entry.hash, count + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head and head.last_seq >= expected_seq:
        return ChainReport(
            False,
            count,
            f"entry #{expected_seq} is missing: the chain ends at #{expected_seq - 1} "
            f"but #{head.last_seq} was written",
            expected_seq,
        )
    if head and count and head.last_hash != prev_hash:
        return ChainReport(
            False, count, f"entry #{count} does not match the recorded chain head", count
        )
    return ChainReport(True, count)
