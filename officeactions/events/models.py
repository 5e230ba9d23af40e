"""Event bans: the scope recorded on an event-ban case, events, and the organisers designated
to read an event's ban list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from officeactions.cases.models import Case
from officeactions.policy.events import Event as PolicyEvent
from officeactions.policy.events import EventBanScope as PolicyScope
from officeactions.policy.events import GlobalBanLink


class EventBanScope(models.Model):
    """What an event-ban case bans: place, projects, dates, and who is banned, as listed.

    The photograph and identifying details are confidential: only the staff on the case and the
    designated organisers of a covered event see them, each view through an audited page.
    """

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="event_ban_scope")
    listed_name = models.CharField(
        max_length=255, help_text="The name or pseudonym shown on event ban lists"
    )
    other_names = models.JSONField(default=list, help_text="Other names or pseudonyms")
    country = models.CharField(max_length=2, blank=True, help_text="Empty: anywhere")
    city = models.CharField(max_length=120, blank=True, help_text="Empty: the whole country")
    projects = models.JSONField(default=list, help_text="Empty: every project")
    starts_on = models.DateField()
    until = models.DateField(null=True, blank=True, help_text="Last day; empty: indefinite")
    irrevocable = models.BooleanField(default=False)
    global_ban = models.CharField(
        max_length=16,
        choices=[(g.value, g.label) for g in GlobalBanLink],
        default=GlobalBanLink.NONE,
    )
    global_ban_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    identifying_details = models.TextField(blank=True)
    photo = models.FileField(upload_to="event-bans/%Y/%m/", blank=True)
    photo_type = models.CharField(max_length=32, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("starts_on")),
                name="event_ban_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"event ban scope of case {self.case_id}"

    def as_policy(self) -> PolicyScope:
        return PolicyScope(
            starts_on=self.starts_on,
            until=self.until,
            country=self.country,
            city=self.city,
            projects=frozenset(self.projects),
            irrevocable=self.irrevocable,
            global_ban=GlobalBanLink(self.global_ban),
        )

    @property
    def description(self) -> str:
        return self.as_policy().describe()


class Event(models.Model):
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    city = models.CharField(max_length=120)
    projects = models.JSONField(default=list)
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city}, {self.country}, {self.starts_on})"

    def as_policy(self) -> PolicyEvent:
        return PolicyEvent(
            name=self.name,
            country=self.country,
            city=self.city,
            projects=frozenset(self.projects),
            starts_on=self.starts_on,
            ends_on=self.ends_on,
        )


class OrganiserDesignation(models.Model):
    """One organiser's access to one event's ban list, for a period, through a private link.

    Only a hash of the link's token is kept; the token is derived from the nonce with the
    secret key (events.organisers.organiser_token), so the organiser can be shown it again.
    """

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="designations")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="event_designations"
    )
    valid_from = models.DateField()
    valid_until = models.DateField(help_text="Last day of access")
    token_hash = models.CharField(max_length=64, unique=True)
    token_nonce = models.CharField(max_length=32)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    designated_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-designated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="designation_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"organiser {self.organiser_id} for event {self.event_id}"

    def active_on(self, day) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until
