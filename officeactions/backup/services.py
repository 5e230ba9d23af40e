"""Backup and restore: the database and the uploaded evidence, in one verifiable archive.

An archive is a gzipped tar holding ``manifest.json`` (what was saved: row counts per model,
the audit chain's head, each uploaded file's SHA-256, the migrations it was made under),
``data.exactjsonl`` (every row as JSON Lines, times to the microsecond; database-neutral, so a
SQLite backup restores into PostgreSQL and back) and ``media/`` (the uploaded files). Restore
goes only into an empty database, checks every file against the manifest first, loads the rows
in one transaction and then verifies the audit chain and the counts before it commits: a damaged or
altered archive is refused and leaves the database as empty as it found it.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from officeactions.audit.models import AuditHead
from officeactions.audit.services import audit_verify
from officeactions.errors import InvalidInput, StepRefused

FORMAT = "officeactions-backup/1"

# Models that moved to another app since a backup may have been made (their tables did not):
# an older archive names them by their old label, restored under the new one.
MOVED_MODELS = {
    "cases.conductwarning": "sanctions.conductwarning",
    "cases.reapplicationcheck": "sanctions.reapplicationcheck",
    "enforcement.breachreport": "sanctions.breachreport",
    "enforcement.suspectedaccount": "sanctions.suspectedaccount",
    "enforcement.banreport": "sanctions.banreport",
}


def _current_label(label: str) -> str:
    return MOVED_MODELS.get(label.lower(), label.lower())


def _relabel(data: Path) -> None:
    """Rewrite the rows of moved models under their current labels, in place."""
    text = data.read_text()
    if not any(f'"{label}"' in text for label in MOVED_MODELS):
        return  # an archive made since the move: nothing to rewrite
    lines = text.splitlines()
    moved = False
    for i, line in enumerate(lines):
        if line.strip():
            row = json.loads(line)
            if row["model"] in MOVED_MODELS:
                row["model"] = MOVED_MODELS[row["model"]]
                lines[i] = json.dumps(row)
                moved = True
    if moved:
        data.write_text("\n".join(lines) + "\n")


# Rebuilt by migrate on every database; saving them would only clash on restore.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]


@dataclass(frozen=True)
class BackupReport:
    path: Path
    rows: int
    files: int
    audit_entries: int


def _saved_models() -> list:
    skipped = {"contenttypes", "sessions"}
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label not in skipped and m._meta.label != "auth.Permission"
    ]


def _counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in _saved_models()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _migrations() -> list[list[str]]:
    return sorted([a, n] for a, n in MigrationRecorder(connection).applied_migrations())


def backup_create(path: Path) -> BackupReport:
    """Write an archive of the whole database and the uploaded files to ``path``.

    Read in one transaction (a consistent snapshot on PostgreSQL; SQLite is locked for writes
    while it runs), so rows, counts and the audit head agree with each other.
    """
    path = Path(path)
    if path.exists():
        raise InvalidInput(f"{path} exists already; choose a new file name.")
    root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        data = Path(tmp) / "data.exactjsonl"
        call_command(
            "dumpdata",
            exclude=EXCLUDED,
            natural_foreign=True,
            format="exactjsonl",
            output=str(data),
            verbosity=0,
        )
        head = AuditHead.objects.filter(pk=1).first()
        files = _media_files()
        counts = _counts()
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": _migrations(),
            "counts": counts,
            "audit_head": {"seq": head.last_seq, "hash": head.last_hash} if head else None,
            "media": {str(f.relative_to(root)): _sha256(f) for f in files},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            body = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
            tar.add(data, arcname="data.exactjsonl")
            for f in files:
                tar.add(f, arcname=f"media/{f.relative_to(root)}")
        partial.rename(path)  # a crash mid-write leaves no file that looks complete
    return BackupReport(path, sum(counts.values()), len(files), head.last_seq if head else 0)


def _database_is_empty() -> bool:
    """Empty as migrate leaves it: role groups and an audit chain head with nothing written."""
    for model in _saved_models():
        rows = model.objects.all()
        if model is AuditHead:
            rows = rows.exclude(last_seq=0)
        if model._meta.app_label != "auth" and rows.exists():
            return False
    return True


def _safe_member(member: tarfile.TarInfo) -> bool:
    name = Path(member.name)
    return not name.is_absolute() and ".." not in name.parts and (member.isfile() or member.isdir())


def backup_restore(path: Path) -> BackupReport:
    """Load an archive into an empty, migrated database and put its files back."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"No backup at {path}.")
    if not _database_is_empty():
        raise StepRefused(
            "The database is not empty. Restore goes into an empty database only, so that "
            "nothing is overwritten; create a new database, migrate it, and restore there."
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            with tarfile.open(path, "r:gz") as tar:
                members = [m for m in tar.getmembers() if _safe_member(m)]
                tar.extractall(work, members=members, filter="data")
            manifest = json.loads((work / "manifest.json").read_text())
        except (tarfile.TarError, OSError, ValueError, KeyError) as exc:
            raise InvalidInput(f"{path} is not a readable backup archive: {exc}") from None
        if manifest.get("format") != FORMAT:
            raise InvalidInput(f"{path} is not a backup of this product ({FORMAT}).")
        missing = {tuple(m) for m in manifest["migrations"]} - {tuple(m) for m in _migrations()}
        if missing:
            raise StepRefused(
                "The backup was made by a newer version of the schema; migrations not applied "
                f"here: {', '.join(sorted('.'.join(m) for m in missing))[:500]}"
            )
        for name, digest in manifest["media"].items():
            f = work / "media" / name
            if not f.is_file() or _sha256(f) != digest:
                raise InvalidInput(f"Uploaded file {name} is missing or altered in the backup.")
        _load(work / "data.exactjsonl", manifest)
        root = Path(settings.MEDIA_ROOT)
        for name in manifest["media"]:
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / "media" / name, target)
    head = manifest["audit_head"]
    return BackupReport(
        path, sum(manifest["counts"].values()), len(manifest["media"]), head["seq"] if head else 0
    )


@transaction.atomic
def _load(data: Path, manifest: dict) -> None:
    # migrate created the role groups; the backup's own rows (same names, original ids, which
    # memberships refer to) replace them.
    Group.objects.all().delete()
    _relabel(data)
    call_command("loaddata", str(data), verbosity=0)
    counts = {label.lower(): n for label, n in _counts().items()}
    wrong = {
        label: (n, counts.get(_current_label(label), 0))
        for label, n in manifest["counts"].items()
        if counts.get(_current_label(label), 0) != n
    }
    if wrong:
        raise InvalidInput(
            "The restored rows do not match the backup's manifest (model: expected, found): "
            + ", ".join(f"{k}: {a}, {b}" for k, (a, b) in sorted(wrong.items()))
        )
    report = audit_verify()
    head = manifest["audit_head"]
    if not report.intact or (head and report.entries != head["seq"]):
        raise InvalidInput(f"The restored audit log does not verify: {report.problem}")
