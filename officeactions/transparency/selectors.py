from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from officeactions.enforcement.models import Operation
from officeactions.transparency.visibility import PUBLIC_KINDS

FORWARD = ["block", "protect", "remove_groups", "delete", "hide_revision"]


def public_operations(
    *, wiki: str = "", kind: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[Operation]:
    ops = (
        Operation.objects.filter(
            state=Operation.State.VERIFIED, op__in=FORWARD, case__kind__in=PUBLIC_KINDS
        )
        .select_related("case")
        .order_by("-done_at", "-pk")
    )
    if wiki:
        ops = ops.filter(wiki=wiki)
    if kind:
        ops = ops.filter(case__kind=kind)
    if since:
        ops = ops.filter(done_at__date__gte=since)
    if until:
        ops = ops.filter(done_at__date__lte=until)
    return ops
