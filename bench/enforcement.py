"""A global ban over 20 accounts on the 2 local wikis: enforce and verify through the product,
against the same block and read-back calls sent directly (wikis in parallel in both).

Needs the wikis of scripts/wiki running. Usage: python bench/enforcement.py [rounds]
"""

import os
import statistics
import sys
import tempfile
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
os.environ.setdefault("OFFICEACTIONS_DATA_DIR", tempfile.mkdtemp(prefix="oa-bench-"))
os.environ.setdefault("OFFICEACTIONS_SECRET_KEY", "bench")
os.environ["OFFICEACTIONS_LOG_LEVEL"] = "WARNING"
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from officeactions.accounts.roles import role_grant  # noqa: E402
from officeactions.cases import services  # noqa: E402
from officeactions.enforcement import runner  # noqa: E402
from officeactions.enforcement import services as enforcement  # noqa: E402
from officeactions.enforcement.wiki import WikiClient  # noqa: E402
from officeactions.enforcement.wikis import load_wikis  # noqa: E402
from officeactions.policy import Role  # noqa: E402

ACCOUNTS = [f"Bench account {i:02d}" for i in range(20)]


def on_each_wiki(fn):
    threads = [threading.Thread(target=fn, args=(w,)) for w in WIKIS.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def unblock_all(wiki):
    with WikiClient(wiki.api_url, wiki.office) as c:
        for name in ACCOUNTS:
            c.unblock(name, reason="benchmark reset")


def raw(wiki):
    with WikiClient(wiki.api_url, wiki.office) as c:
        c.login()
        for name in ACCOUNTS:
            c.block(name, reason="benchmark, raw calls")
            assert c.blocks(name)


def staff():
    from django.contrib.auth import get_user_model

    users = {}
    for name, role in [
        ("alice", Role.TS_STAFF),
        ("dave", Role.REVIEWER),
        ("erin", Role.REVIEWER),
        ("carol", Role.LEGAL_COUNSEL),
    ]:
        users[name], _ = get_user_model().objects.get_or_create(username=name)
        role_grant(user=users[name], role=role)
    return users


def approved_ban(u):
    subject = services.subject_create(
        actor=u["alice"], display_name="Bench", accounts=[("enwiki", n) for n in ACCOUNTS]
    )
    case = services.case_open(actor=u["alice"], kind="global_ban", title="Bench", subject=subject)
    for step in ("accept", "start_investigation"):
        services.case_transition(case=case, actor=u["alice"], name=step)
    services.proposal_create(
        case=case, actor=u["alice"], rationale="bench", terms={"why_no_warning": "bench"}
    )
    services.case_transition(case=case, actor=u["alice"], name="submit_for_review")
    for who in ("dave", "erin", "carol"):
        services.review_submit(case=case, actor=u[who], decision="approve")
    return case


def main(rounds: int) -> None:
    call_command("migrate", verbosity=0)
    u = staff()

    def create(wiki):
        with WikiClient(wiki.api_url, wiki.office) as c:
            for name in ACCOUNTS:
                c.create_account(name, "Bench-password-1234")

    on_each_wiki(create)
    raw_times, product_times = [], []
    for _ in range(rounds):
        on_each_wiki(unblock_all)
        started = time.perf_counter()
        on_each_wiki(raw)
        raw_times.append(time.perf_counter() - started)

        on_each_wiki(unblock_all)
        case = approved_ban(u)
        started = time.perf_counter()
        enforcement.case_enforce(case=case, actor=u["alice"])
        result = runner.enforcement_run(case_id=case.pk)
        product_times.append(time.perf_counter() - started)
        assert result == "in effect", result
        assert case.operations.filter(state="verified").count() == 2 * len(ACCOUNTS)
    r, p = statistics.median(raw_times), statistics.median(product_times)
    print(
        f"wikis: {', '.join(WIKIS)}; accounts: {len(ACCOUNTS)}; rounds: {rounds}; "
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}"
    )
    print(
        f"raw block + read-back calls, wikis in parallel: median {r:.2f} s "
        f"(all: {', '.join(f'{t:.2f}' for t in raw_times)})"
    )
    print(
        f"product: enforce + verify (ledger, audit): median {p:.2f} s "
        f"(all: {', '.join(f'{t:.2f}' for t in product_times)}); ratio {p / r:.2f}x"
    )


if __name__ == "__main__":
    WIKIS = load_wikis()
    if len(WIKIS) < 2:
        sys.exit("Start the local wikis first: scripts/wiki start")
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
