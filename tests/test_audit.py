"""The audit log: chained, append-only, and tamper-evident."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from officeactions.audit.models import AuditEntry
from officeactions.audit.services import GENESIS_HASH, audit_append, audit_verify, entry_hash
from officeactions.cases import services
from tests.helpers import walk


def by_hand(sql: str, params=()) -> None:
    """What someone with database access might do: raw SQL, past the application."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The trigger stops this; a database owner can lift it for their session.
            cursor.execute("SET LOCAL officeactions.audit_maintenance = 'on'")
        cursor.execute(sql, params)


@pytest.fixture
def history(people, open_case):
    case = open_case()
    walk(case, (people["agent"], "accept"), (people["agent"], "start_investigation"))
    services.evidence_add(case=case, actor=people["agent"], note="Diff on enwiki.")
    return case


def test_entries_chain_from_genesis(history):
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
        assert after.hash == entry_hash(after)


def test_verify_says_intact(history, capsys):
    report = audit_verify()
    assert report.intact
    assert report.entries == AuditEntry.objects.count()
    call_command("audit", "verify")
    assert "Audit log intact" in capsys.readouterr().out


def test_an_edited_entry_is_named(history):
    target = AuditEntry.objects.get(action="case.accept")
    by_hand("UPDATE audit_auditentry SET reason = %s WHERE seq = %s", ["edited", target.seq])
    report = audit_verify()
    assert not report.intact
    assert report.first_broken_seq == target.seq
    assert report.problem == f"entry #{target.seq} (case.accept) was altered after it was written"
    with pytest.raises(CommandError, match=rf"BROKEN: entry #{target.seq} \(case.accept\)"):
        call_command("audit", "verify")


def test_an_edited_and_rehashed_entry_breaks_the_next_link(history):
    target = AuditEntry.objects.get(action="case.accept")
    target.actor_name = "someone else"
    forged = entry_hash(target)
    by_hand(
        "UPDATE audit_auditentry SET actor_name = %s, hash = %s WHERE seq = %s",
        ["someone else", forged, target.seq],
    )
    report = audit_verify()
    assert report.first_broken_seq == target.seq + 1
    assert "does not link to the entry before it" in report.problem


def test_a_deleted_entry_is_named(history):
    target = AuditEntry.objects.get(action="case.accept")
    by_hand("DELETE FROM audit_auditentry WHERE seq = %s", [target.seq])
    report = audit_verify()
    assert report.first_broken_seq == target.seq
    assert report.problem.startswith(f"entry #{target.seq} is missing")


def test_deleting_the_newest_entry_is_caught_by_the_chain_head(history):
    last = AuditEntry.objects.order_by("-seq").first()
    by_hand("DELETE FROM audit_auditentry WHERE seq = %s", [last.seq])
    report = audit_verify()
    assert report.first_broken_seq == last.seq
    assert f"#{last.seq} was written" in report.problem


def test_the_application_cannot_update_or_delete_entries(history):
    entry = AuditEntry.objects.first()
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.filter(seq=entry.seq).update(reason="x")
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.all().delete()


def test_an_entry_rolls_back_with_its_transaction(people):
    count = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_append(actor=people["agent"], action="x", object_type="t", object_id="1")
        raise RuntimeError
    assert AuditEntry.objects.count() == count
    audit_append(actor=people["agent"], action="y", object_type="t", object_id="1")
    assert audit_verify().intact  # no gap left behind by the rolled-back entry


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET reason = 'x'",
        "DELETE FROM audit_auditentry",
        "TRUNCATE audit_auditentry",
    ],
)
def test_postgresql_refuses_changes_to_the_log(history, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert audit_verify().intact
