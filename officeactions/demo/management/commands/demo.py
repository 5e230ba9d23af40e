"""Load demo staff and cases of several kinds in several states, through the real services."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from officeactions.accounts.roles import role_grant
from officeactions.appeals.services import appeal_file
from officeactions.bancheck.services import check_token_issue
from officeactions.cases import services
from officeactions.cases.configured import office_time_zone
from officeactions.cases.models import Case
from officeactions.checkuser.services import checkuser_record
from officeactions.enforcement import runner
from officeactions.enforcement import services as enforcement
from officeactions.enforcement.wiki import WikiClient, WikiError
from officeactions.enforcement.wikis import load_wikis
from officeactions.events import organisers
from officeactions.events import services as events
from officeactions.events.models import Event, OrganiserDesignation
from officeactions.intake.models import Request
from officeactions.intake.services import request_file, request_submit
from officeactions.legal.services import dmca_notice_submit
from officeactions.policy import Role
from officeactions.policy.reports import period_of
from officeactions.sanctions import services as sanctions
from officeactions.transparency.services import report_publish

DEMO_PASSWORD = "office-actions-demo"  # noqa: S105 - printed for local demos only

STAFF = {
    "alice": [Role.TS_STAFF],
    "bob": [Role.TS_STAFF],
    "carol": [Role.LEGAL_COUNSEL],
    "oscar": [Role.LEGAL_COUNSEL],
    "dave": [Role.REVIEWER],
    "erin": [Role.REVIEWER],
    "grace": [Role.TS_STAFF, Role.CHILD_PROTECTION],
    "nina": [Role.CHILD_PROTECTION],  # the second designated person, for second reviews
    "heidi": [Role.AUDITOR],
    "ivan": [Role.CASE_REVIEW_COMMITTEE],
    "judy": [Role.STEWARD],
    "ken": [Role.EVENT_ORGANISER],
}


class Command(BaseCommand):
    help = "Create demo staff (one per role) and demo cases; safe to run again."

    def handle(self, *args, **options):
        users = self._staff()
        if Case.objects.exists():
            self.stdout.write("Demo cases already present; not adding more.")
        else:
            # The demo's own requesters are fictional: keep their emails out of the console.
            quiet = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
            with override_settings(MAILERS=quiet), transaction.atomic():
                self._cases(users)
            self.stdout.write(
                f"Loaded {Case.objects.count()} demo cases and {Request.objects.count()} "
                "public requests."
            )
        self._events_demo(users)
        self._wiki_demo(users)
        self._ban_check_demo()
        self.stdout.write(f"\nStaff logins (password for all: {DEMO_PASSWORD})")
        for name, roles in STAFF.items():
            self.stdout.write(f"  {name:6} {', '.join(r.label for r in roles)}")
        self.stdout.write(
            "Second factor: `OFFICEACTIONS_DEBUG=true .venv/bin/officeactions two_factor code "
            "alice` prints alice's current code (development mode only)."
        )

    def _events_demo(self, u: dict) -> None:
        """An event with ken as its designated organiser, and an event ban that covers it."""
        name = "Demo: WikiCon Katowice"
        if not Event.objects.filter(name=name).exists():
            quiet = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
            with override_settings(MAILERS=quiet), transaction.atomic():
                start = events.today() + timedelta(days=21)
                event = organisers.event_create(
                    actor=u["alice"],
                    name=name,
                    country="PL",
                    city="Katowice",
                    projects=["plwiki", "MediaWiki"],
                    starts_on=start,
                    ends_on=start + timedelta(days=2),
                )
                case = services.case_open(
                    actor=u["alice"], kind="event_ban", title="Harassment at two meetups"
                )
                for step in ("accept", "start_investigation"):
                    case = services.case_transition(case=case, actor=u["alice"], name=step)
                events.event_ban_scope_record(
                    case=case,
                    actor=u["alice"],
                    listed_name="Meetup Troublemaker",
                    other_names=["MT_2019"],
                    country="PL",
                    projects=["plwiki"],
                    identifying_details="Usually wears a green lanyard from past events.",
                )
                services.proposal_create(
                    case=case, actor=u["alice"], rationale="Repeated harassment at meetups."
                )
                services.case_transition(case=case, actor=u["alice"], name="submit_for_review")
                for reviewer in ("dave", "erin"):
                    services.review_submit(case=case, actor=u[reviewer], decision="approve")
                events.event_ban_issue(case=case, actor=u["alice"])
                organisers.organiser_designate(event=event, actor=u["alice"], organiser=u["ken"])
        designation = OrganiserDesignation.objects.filter(
            event__name=name, organiser=u["ken"], revoked_at=None
        ).first()
        if designation and designation.active_on(events.today()):
            self.stdout.write(
                f"Event ban list for ken (sign in as ken): {organisers.organiser_link(designation)}"
            )

    def _ban_check_demo(self) -> None:
        """A wiki's token for the ban check, and a question to ask it."""
        token = check_token_issue(name="demo-wiki")
        self.stdout.write(
            "\nBan check (also /check/ in the browser, and `officeactions check NAME ADDR`):\n"
            f"  curl -H 'Authorization: Token {token}' "
            "'http://127.0.0.1:8000/api/check?user=demo_banned_user&ip=::ffff:192.0.2.123'"
        )

    def _wiki_demo(self, u: dict) -> None:
        """With local wikis running: a global ban carried out on them, for real."""
        wikis = load_wikis()
        if not wikis:
            self.stdout.write("No local wikis configured: the enforcement demo is left out.")
            return
        if Case.objects.filter(title="Demo: global ban carried out on the local wikis").exists():
            return
        names = ["Demo Banned User", "Demo Sock Puppet"]
        try:
            for wiki in wikis.values():
                with WikiClient(wiki.api_url, wiki.office) as client:
                    for name in names:
                        client.create_account(name, f"Demo-{secrets.token_hex(8)}")
        except WikiError as exc:
            self.stdout.write(
                f"Local wikis not answering ({exc.message}); enforcement demo left out."
            )
            return
        subject = services.subject_create(
            actor=u["alice"],
            display_name="Demo banned person",
            accounts=[("enwiki", names[0]), ("dewiki", names[1])],
            addresses=["192.0.2.123"],
        )
        case = services.case_open(
            actor=u["alice"],
            kind="global_ban",
            title="Demo: global ban carried out on the local wikis",
            subject=subject,
        )
        for step in ("accept", "start_investigation"):
            services.case_transition(case=case, actor=u["alice"], name=step)
        services.proposal_create(
            case=case,
            actor=u["alice"],
            rationale="Demonstration of enforcement.",
            terms={"why_no_warning": "Credible threats of harm: a warning was not practical."},
        )
        services.case_transition(case=case, actor=u["alice"], name="submit_for_review")
        for who in ("dave", "erin", "carol"):
            services.review_submit(case=case, actor=u[who], decision="approve")
        enforcement.case_enforce(case=case, actor=u["alice"])
        result = runner.enforcement_run(case_id=case.pk)
        self._rights_removal_demo(u, wikis)
        # A DMCA notice for a page on the first wiki, waiting for Legal.
        first = next(iter(wikis.values()))
        with WikiClient(first.api_url, first.office) as client:
            client.write(
                {
                    "action": "edit",
                    "title": "Demo photo description",
                    "text": "A description copied from a photographer's website.",
                    "summary": "demo",
                }
            )
        page = first.api_url.replace("api.php", "index.php?title=Demo_photo_description")
        notice = dmca_notice_submit(
            data={
                "sender_name": "Pat Photographer",
                "sender_organisation": "Example Photo Agency",
                "email": "legal@photo-agency.example",
                "works": ["Photograph 'Harbour at dawn' and its caption"],
                "copyrighted_urls": ["https://photo-agency.example/harbour"],
                "infringing_urls": [page],
                "signature": "/s/ Pat Photographer",
                "good_faith": True,
                "accuracy_under_perjury": True,
            }
        )
        self.stdout.write(f"DMCA notice {notice.case.reference} received, waiting for Legal.")
        lists = ", ".join(
            w.api_url.replace("api.php", "index.php/Special:BlockList") for w in wikis.values()
        )
        self.stdout.write(f"Global ban {case.reference} on the local wikis: {result}. See {lists}")

    def _rights_removal_demo(self, u: dict, wikis: dict) -> None:
        """An administrator's sysop removed on the first wiki: the period starts today."""
        first = next(iter(wikis.values()))
        name = "Demo Functionary"
        with WikiClient(first.api_url, first.office) as client:
            client.create_account(name, f"Demo-{secrets.token_hex(8)}")
            client.change_groups(name, reason="demo", add=["sysop"])
        case = services.case_open(
            actor=u["bob"], kind="rights_removal", title="Demo: sysop removed for a breach of trust"
        )
        for step in ("accept", "start_investigation"):
            services.case_transition(case=case, actor=u["bob"], name=step)
        services.proposal_create(
            case=case,
            actor=u["bob"],
            rationale="Misuse of deleted-content access.",
            terms={
                "wiki": first.dbname,
                "username": name,
                "groups": "sysop",
                "no_rights_period": "6 months",
                "reapply_criteria": "A new request for adminship\nNo blocks in the period",
            },
        )
        services.case_transition(case=case, actor=u["bob"], name="submit_for_review")
        for who in ("dave", "carol"):
            services.review_submit(case=case, actor=u[who], decision="approve")
        enforcement.case_enforce(case=case, actor=u["bob"])
        runner.enforcement_run(case_id=case.pk)
        self.stdout.write(f"Rights removal {case.reference}: sysop removed on {first.dbname}.")

    def _staff(self) -> dict:
        User = get_user_model()
        users = {}
        for name, roles in STAFF.items():
            user, created = User.objects.get_or_create(
                username=name, defaults={"email": f"{name}@office.example"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                # Staff sign in with two factors; the demo staff's authenticator is the
                # `two_factor code` command (development mode only).
                TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
            for role in roles:
                role_grant(user=user, role=role)
            users[name] = user
        return users

    def _cases(self, u: dict) -> None:
        now = timezone.now()

        def walk(case, *steps):
            for actor, step, reason in steps:
                case = services.case_transition(case=case, actor=u[actor], name=step, reason=reason)
            return case

        def filed(*, data):
            """Submit as the public form does, then file as the worker does."""
            submission = request_submit(data=data)
            request_file(request_id=submission.request.pk)
            submission.request.refresh_from_db()
            return submission

        # 1. A global ban request from the public, just received (complete, so a case at once).
        filed(
            data={
                "action_requested": "global_ban",
                "summary": "Repeated threats against editors on enwiki and commons.",
                "community_evidence": ["https://en.wikipedia.org/wiki/Special:Log/block"],
                "supporting_information": "Diffs of the threats are listed on the noticeboard.",
                "name": "A. Reporter",
                "email": "reporter@example.org",
                "wiki_username": "A reporter",
            }
        )
        # ... and one that is still incomplete (no evidence of community attempts yet).
        filed(
            data={
                "action_requested": "event_ban",
                "summary": "Someone who harassed attendees plans to come to the next meetup.",
                "email": "organiser@example.org",
            }
        )
        harasser = services.subject_create(
            actor=u["alice"],
            display_name="Vexatious Example",
            accounts=[("enwiki", "Vexatious Example"), ("commonswiki", "VexEx2")],
            addresses=["198.51.100.23", "2001:db8:42::/48"],
        )
        services.case_open(
            actor=u["alice"],
            kind="global_ban",
            title="Harassment of several editors across projects",
            summary="Off-wiki threats and on-wiki harassment on three projects.",
            subject=harasser,
            received_at=now - timedelta(days=2),
        )

        # 2. A global ban in review: two reviewers approved, legal counsel still needed.
        sock = services.subject_create(
            actor=u["bob"],
            display_name="Long-term abuser",
            accounts=[("enwiki", "LTA Master"), ("dewiki", "LTA Meister")],
            addresses=["203.0.113.0/24"],
        )
        ban = services.case_open(
            actor=u["bob"],
            kind="global_ban",
            title="Long-term abuse with sockpuppets",
            subject=sock,
            received_at=now - timedelta(days=20),
        )
        walk(ban, ("bob", "accept", ""), ("bob", "start_investigation", ""))
        services.proposal_create(
            case=ban,
            actor=u["bob"],
            rationale="Two years of cross-wiki abuse; community blocks evaded 40 times.",
            terms={
                "details": "Indefinite global ban; lock all known accounts.",
                "why_no_warning": "Forty block evasions: community warnings went unheeded.",
            },
        )
        walk(ban, ("bob", "submit_for_review", ""))
        services.review_submit(case=ban, actor=u["dave"], decision="approve", comment="Agreed.")
        services.review_submit(case=ban, actor=u["erin"], decision="approve")

        # 3. An event ban under investigation.
        event = services.case_open(
            actor=u["alice"],
            kind="event_ban",
            title="Conduct at a regional conference",
            received_at=now - timedelta(days=6),
        )
        walk(event, ("alice", "accept", ""), ("alice", "start_investigation", ""))

        # 4. A DMCA takedown approved by legal counsel.
        dmca = services.case_open(
            actor=u["carol"],
            kind="dmca_takedown",
            title="Takedown notice for File:Example photo.jpg",
            received_at=now - timedelta(days=12),
        )
        walk(dmca, ("carol", "accept", ""), ("carol", "start_investigation", ""))
        services.proposal_create(
            case=dmca,
            actor=u["carol"],
            rationale="The notice is valid; the photo is the complainant's work.",
            terms={"details": "Delete File:Example photo.jpg on commonswiki."},
        )
        walk(dmca, ("carol", "submit_for_review", ""))
        services.review_submit(case=dmca, actor=u["oscar"], decision="approve")

        # 5. Confidential conduct warnings (alice, dave and erin are on them): one issued to
        # the person of case 1 (so that case shows it in its warning history), one in review.
        def warning_case(title, subject, email, conduct):
            warning = services.case_open(
                actor=u["alice"], kind="conduct_warning", title=title, subject=subject
            )
            for who in ("dave", "erin"):
                services.case_assign(case=warning, actor=u["alice"], user=u[who])
            walk(warning, ("alice", "accept", ""), ("alice", "start_investigation", ""))
            sanctions.conduct_warning_draft(
                case=warning,
                actor=u["alice"],
                recipient_email=email,
                conduct=conduct,
                expectations="Comment on content, not on contributors; no further personal "
                "attacks.",
                rationale="A pattern of hostile replies; a warning should de-escalate it.",
            )
            walk(warning, ("alice", "submit_for_review", ""))
            services.review_submit(case=warning, actor=u["dave"], decision="approve")
            return warning

        earlier = warning_case(
            "Personal attacks at an edit-a-thon",
            harasser,
            "vexatious@example.net",
            "Personal attacks against other attendees at an edit-a-thon.",
        )
        services.review_submit(case=earlier, actor=u["erin"], decision="approve")
        sanctions.conduct_warning_issue(case=earlier, actor=u["alice"])
        warning_case(
            "Hostile talk page conduct",
            services.subject_create(actor=u["alice"], display_name="Hostile Replier"),
            "replier@example.net",
            "Repeated hostile replies to newcomers on talk pages.",
        )

        # 6. A child-protection case, acted on at once by designated staff.
        child = services.case_open(
            actor=u["grace"],
            kind="child_protection",
            title="Report concerning a minor",
            received_at=now - timedelta(hours=3),
        )
        walk(child, ("grace", "accept", ""), ("grace", "start_investigation", ""))
        services.proposal_create(
            case=child, actor=u["grace"], rationale="Content suppressed; NCMEC report to follow."
        )
        walk(child, ("grace", "submit_for_review", ""))
        services.review_submit(case=child, actor=u["grace"], decision="approve")

        # 7. An office page protection, declined by legal counsel.
        page = services.case_open(
            actor=u["bob"], kind="page_protection", title="Protect a biography under dispute"
        )
        walk(page, ("bob", "accept", ""), ("bob", "start_investigation", ""))
        services.proposal_create(
            case=page,
            actor=u["bob"],
            rationale="Ongoing edit war over private information.",
            terms={
                "grounds": "Substantial risk: private address added repeatedly.",
                "wiki": "enwiki",
                "page": "Example biography",
            },
        )
        walk(page, ("bob", "submit_for_review", ""))
        services.review_submit(
            case=page,
            actor=u["carol"],
            decision="decline",
            comment="Oversight and community protection suffice; no office action needed.",
        )

        # 8. Staff CheckUser, approved on its recorded justification.
        check = services.case_open(
            actor=u["alice"], kind="checkuser", title="Threat of harm: identify the account"
        )
        walk(check, ("alice", "accept", ""), ("alice", "start_investigation", ""))
        services.proposal_create(
            case=check,
            actor=u["alice"],
            rationale="Emergency report of a threat of harm.",
            terms={
                "purpose": "emergency threat",
                "no_other_reasonable_way": "The account is new and posted nothing else.",
            },
        )
        walk(check, ("alice", "submit_for_review", ""))
        checkuser_record(
            case=check,
            actor=u["alice"],
            purpose="emergency_threat",
            justification="The account is new and posted nothing else; no other way to find it.",
            wiki="enwiki",
            targets="Threatening Example",
            results="Edits from 203.0.113.9, shared with Vexatious Example (case staff only).",
        )

        # 9. A direct request for a secondary action, deferred to the community (templated
        # answer), and an abusive request whose requester gets a recorded warning.
        rights_request = filed(
            data={
                "action_requested": "rights_removal",
                "summary": "An admin misused the block tool in a content dispute.",
                "community_evidence": ["https://en.wikipedia.org/wiki/Wikipedia:AN"],
                "supporting_information": "The block log shows it.",
                "email": "editor@example.net",
            }
        )
        rights = rights_request.request.case
        walk(rights, ("bob", "defer", "Secondary action requested directly."))
        # ... which its requester appeals: waiting for legal counsel's approval.
        appeal_file(
            data={
                "appellant": "requester",
                "status_token": rights_request.token,
                "grounds": "The community process failed twice; the admin is still blocking.",
            }
        )
        abusive = filed(
            data={
                "action_requested": "page_protection",
                "summary": "Lock my article now or I will make you regret it.",
                "no_community_process_reason": "I don't talk to admins.",
                "supporting_information": "You know what I mean.",
                "email": "angry@example.com",
            }
        ).request.case
        services.case_transition(
            case=abusive,
            actor=u["bob"],
            name="mark_abusive",
            reason="Threat against staff.",
            seriousness=3,
            bad_faith=True,
        )

        # 10. A removal of advanced rights, approved, with its no-rights period and criteria.
        removal = services.case_open(
            actor=u["bob"], kind="rights_removal", title="Admin who leaked private information"
        )
        walk(removal, ("bob", "accept", ""), ("bob", "start_investigation", ""))
        services.proposal_create(
            case=removal,
            actor=u["bob"],
            rationale="Private information shared off-wiki: a breach of trust.",
            terms={
                "wiki": "enwiki",
                "username": "Trusted Admin",
                "groups": "sysop, checkuser",
                "no_rights_period": "12 months",
                "reapply_criteria": "A new request for adminship\nNo blocks in the period",
            },
        )
        walk(removal, ("bob", "submit_for_review", ""))
        for who in ("dave", "carol"):
            services.review_submit(case=removal, actor=u[who], decision="approve")

        # 11. A range block enforcing the global ban of case 2: it takes that ban's review rule.
        services.case_open(
            actor=u["bob"],
            kind="range_block",
            title="Range used by the long-term abuser",
            enforces=ban,
            subject=sock,
        )

        # 11. Last half year's cases, decided, and its transparency report published.
        self._report_demo(u)

    def _report_demo(self, u: dict) -> None:
        today = timezone.now().astimezone(office_time_zone()).date()
        period = period_of(today).previous()
        start, _ = period.bounds(office_time_zone())
        for n, (kind, actor, step) in enumerate(
            [("global_ban", "alice", "decline_request")] * 6
            + [("global_ban", "bob", "defer")] * 2
            + [("dmca_takedown", "carol", "decline_request")] * 5
            + [("event_ban", "alice", "")] * 2
            + [("conduct_warning", "alice", "")]
        ):
            case = services.case_open(
                actor=u[actor],
                kind=kind,
                title=f"Earlier {kind.replace('_', ' ')} {n + 1}",
                received_at=start + timedelta(days=7 * n + 3),
            )
            if step:
                services.case_transition(
                    case=case, actor=u[actor], name=step, reason="Not for the Foundation to act on."
                )
        report_publish(period=str(period), actor=u["carol"])
