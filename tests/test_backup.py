"""Backup and restore: into an empty database, verified; a damaged archive changes nothing."""

import io
import json
import tarfile

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from officeactions.audit.models import AuditEntry, AuditHead
from officeactions.audit.services import GENESIS_HASH, audit_verify
from officeactions.backup.services import _counts, backup_create, backup_restore
from officeactions.cases.models import Case
from officeactions.errors import InvalidInput, StepRefused
from officeactions.intake.models import Request
from officeactions.policy import Role
from officeactions.sanctions.models import ConductWarning
from tests.helpers import propose, walk

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    evidence = settings.MEDIA_ROOT / "dmca" / "2026" / "11" / "signed notice.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 signed notice " + bytes(range(256)))
    return evidence


def empty_database():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the audit log's guard refuses TRUNCATE otherwise
            cursor.execute("SET officeactions.audit_maintenance = 'on'")
    call_command("flush", interactive=False, verbosity=0)
    # What migrate leaves in a new database: the role groups and the audit chain's genesis head.
    for role in Role:
        Group.objects.create(name=role.value)
    AuditHead.objects.create(pk=1, last_seq=0, last_hash=GENESIS_HASH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET officeactions.audit_maintenance")


@pytest.fixture
def archive(file_request, open_case, people, media, tmp_path):
    file_request()
    file_request(summary="Another request", email="b@example.org")
    open_case("conduct_warning")
    path = tmp_path / "backup.tar.gz"
    backup_create(path)
    return path


def repack(source, target, change):
    """Copy an archive, passing each member's bytes through change(name, data)."""
    with tarfile.open(source, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


def test_a_backup_restores_into_an_empty_database_with_its_files(archive, media, file_request):
    counts, references = _counts(), sorted(Case.objects.values_list("reference", flat=True))
    entries = AuditEntry.objects.count()
    original = media.read_bytes()
    empty_database()
    media.unlink()
    assert Case.objects.count() == 0 and AuditEntry.objects.count() == 0

    report = backup_restore(archive)

    assert _counts() == counts
    assert sorted(Case.objects.values_list("reference", flat=True)) == references
    assert report.audit_entries == entries
    assert audit_verify().intact and audit_verify().entries == entries
    assert media.read_bytes() == original
    # The restored desk keeps working: new rows take new ids, and the chain goes on.
    file_request(summary="After the restore", email="c@example.org")
    assert Request.objects.count() == 3 and Case.objects.count() == len(references) + 1
    assert audit_verify().intact and audit_verify().entries > entries


def test_the_commands_back_up_and_restore(archive, tmp_path, capsys):
    second = tmp_path / "second.tar.gz"
    call_command("backup", str(second))
    assert "Backup written to" in capsys.readouterr().out
    empty_database()
    call_command("restore", str(second))
    assert "verified" in capsys.readouterr().out
    assert Request.objects.count() == 2


def test_restore_refuses_a_database_that_is_not_empty(archive):
    before = _counts()
    with pytest.raises(StepRefused, match="not empty"):
        backup_restore(archive)
    assert _counts() == before


def test_an_altered_audit_entry_is_refused_and_nothing_is_restored(archive, tmp_path):
    def alter(name, data):
        if name != "data.exactjsonl":
            return data
        lines = []
        for line in data.decode().splitlines():
            row = json.loads(line)
            if row["model"] == "audit.auditentry" and row["pk"] == 2:
                row["fields"]["reason"] = "rewritten afterwards"
            lines.append(json.dumps(row))
        return "\n".join(lines).encode()

    altered = repack(archive, tmp_path / "altered.tar.gz", alter)
    empty_database()
    with pytest.raises(InvalidInput, match="audit log does not verify"):
        backup_restore(altered)
    assert (Case.objects.count(), Request.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)


def test_an_altered_uploaded_file_is_refused(archive, tmp_path):
    altered = repack(
        archive,
        tmp_path / "altered.tar.gz",
        lambda name, data: data + b"x" if name.startswith("media/") else data,
    )
    empty_database()
    with pytest.raises(InvalidInput, match="missing or altered"):
        backup_restore(altered)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("content", [b"", b"not an archive"])
def test_a_file_that_is_not_a_backup_is_refused(tmp_path, content):
    path = tmp_path / "x.tar.gz"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match="not a readable backup"):
        backup_restore(path)


def test_a_backup_never_overwrites_a_file(archive):
    with pytest.raises(InvalidInput, match="exists already"):
        backup_create(archive)


def test_an_archive_from_before_sanctions_moved_apps_restores(archive, open_case, people, tmp_path):
    """Conduct warnings and reports against a ban once belonged to the cases and enforcement
    apps; an archive that names them so restores them under the sanctions app."""
    warning = open_case("conduct_warning")
    walk(warning, (people["agent"], "accept"), (people["agent"], "start_investigation"))
    propose(warning, people["agent"], "Three reports.")
    path = tmp_path / "with-warning.tar.gz"
    backup_create(path)
    drafted = ConductWarning.objects.get(case__reference=warning.reference).text

    def as_before(name, data):
        if name == "data.exactjsonl":
            return data.replace(b'"sanctions.conductwarning"', b'"cases.conductwarning"')
        if name == "manifest.json":
            return data.replace(b'"sanctions.ConductWarning"', b'"cases.ConductWarning"')
        return data

    old = repack(path, tmp_path / "old.tar.gz", as_before)
    with tarfile.open(old, "r:gz") as tar:
        assert b'"cases.conductwarning"' in tar.extractfile("data.exactjsonl").read()
    empty_database()
    backup_restore(old)
    assert ConductWarning.objects.get(case__reference=warning.reference).text == drafted
