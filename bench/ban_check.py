"""The ban check at wiki speed, against its alternatives, in one run (issue 8's rule set).

Rules: 100,000 active rules (60,000 accounts, 30,000 single IPv4/IPv6 addresses, 10,000 ranges
from IPv4 /16-/30 and IPv6 /19-/64), in 25,000 cases in effect (20,000 global bans of 3
accounts, 1.5 addresses and 0.25 ranges each; 5,000 range blocks of one range). Queries:
1,000,000 random (account + address together), about 1% hits. Measured, single-threaded:

1. the fast index (dict + pytricia), checks/s, answers compared with the naive reference on a
   sample; the same through officeactions.bancheck.check (the in-process function);
2. the naive reference (ipaddress, rule by rule), checks/s on a small sample;
3. the same check as one PostgreSQL query over an `inet` column (SP-GiST and GiST, partial
   indexes, prepared), in a table of its own, checks/s, answers compared;
4. index build time for 100,000 rules (and rebuild from the database), memory for 1,000,000
   rules (RSS growth of a fresh process);
5. GET /api/check under gunicorn (2 workers) against GET /healthz, with wrk, in alternating
   rounds.

Usage: DATABASE_URL=postgres://... python bench/ban_check.py [queries]   (needs wrk, gunicorn)
       ... python bench/ban_check.py --http   (part 5 alone, on the database part 4 seeded)
"""

from __future__ import annotations

import gc
import ipaddress
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACCOUNTS, SINGLES, RANGES = 60_000, 30_000, 10_000
GLOBAL_BANS, RANGE_BLOCKS = 20_000, 5_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def random_v4(rng: random.Random) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(rng.getrandbits(32))


def random_v6(rng: random.Random) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address((0x2 << 125) | rng.getrandbits(125))  # inside 2000::/3


def random_range(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return str(ipaddress.ip_network((random_v4(rng), rng.randint(16, 30)), strict=False))
    return str(ipaddress.ip_network((random_v6(rng), rng.randint(19, 64)), strict=False))


def rule_set(scale: int = 1, seed: int = 8):
    """Yields (case number, kind, "account"|"network", target), 100,000 x scale rules."""
    rng = random.Random(seed)
    bans, blocks = GLOBAL_BANS * scale, RANGE_BLOCKS * scale
    for i in range(ACCOUNTS * scale):
        yield i % bans, "global_ban", "account", f"Banned user {i:07x}"
    for i in range(SINGLES * scale):
        address = random_v4(rng) if i % 3 else random_v6(rng)
        yield i % bans, "global_ban", "network", str(address)
    ban_ranges = RANGES * scale - blocks
    for i in range(ban_ranges):
        yield i % bans, "global_ban", "network", random_range(rng)
    for i in range(blocks):
        yield bans + i, "range_block", "network", random_range(rng)


def queries(n: int, rules: list[tuple], seed: int = 9) -> list[tuple[str, str]]:
    """0.3% banned names (typed as wikis send them), 0.1% addresses inside a rule, the rest
    random; about 1% of random addresses land in one of the ranges by chance."""
    rng = random.Random(seed)
    names = [t for _, _, what, t in rules if what == "account"]
    nets = [ipaddress.ip_network(t) for _, _, what, t in rules if what == "network"]
    out = []
    for _ in range(n):
        r = rng.random()
        user = (
            rng.choice(names).replace(" ", "_") if r < 0.005 else f"Visitor {rng.getrandbits(40):x}"
        )
        if 0.003 <= r < 0.004:
            net = rng.choice(nets)
            address = net.network_address + rng.randrange(net.num_addresses)
        else:
            address = random_v4(rng) if rng.random() < 0.8 else random_v6(rng)
        ip = str(address)
        if address.version == 4 and rng.random() < 0.05:
            ip = f"::ffff:{ip}"
        out.append((user, ip))
    return out


def build(rules, index_cls):
    from officeactions.bancheck.index import Rule

    index = index_cls()
    made: dict[int, Rule] = {}
    for case, kind, what, target in rules:
        rule = made.get(case)
        if rule is None:
            rule = made[case] = Rule(f"OA-{case:09d}", kind, None, kind == "range_block")
        (index.add_account if what == "account" else index.add_network)(target, rule)
    return index.seal() if hasattr(index, "seal") else index


def memory_child(scale: int) -> None:
    """Run alone in a fresh process: RSS growth from building the index (inputs generated on
    the fly, so only what the index keeps is counted)."""
    from officeactions.bancheck.index import BanIndex

    gc.collect()
    before = rss_mb()
    index = build(rule_set(scale), BanIndex)
    gc.collect()
    print(f"{rss_mb() - before:.1f} {len(index)}")


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s"


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
    django.setup()
    from django.db import connection

    from officeactions.bancheck import services
    from officeactions.bancheck.index import BanIndex, NaiveIndex, as_pairs

    n_queries = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    print(f"==> ban check: 100,000 rules, {n_queries:,} queries")
    rules = list(rule_set())
    qs = queries(n_queries, rules)

    # 4a. build time for 100,000 rules (best of 3: the machine is shared)
    times = []
    for _ in range(3):
        gc.collect()
        started = time.perf_counter()
        index = build(rules, BanIndex)
        times.append(time.perf_counter() - started)
    print(f"index build, 100,000 rules: {min(times):.3f} s (best of 3; {len(index):,} entries)")

    # 1. the fast index
    check = index.check
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    hits = 0
    for user, ip in qs:
        if check(user, ip):
            hits += 1
    fast_s, fast_cpu = time.perf_counter() - started, time.process_time() - cpu
    fast_rate = n_queries / fast_s
    print(
        f"fast index: {rate(n_queries, fast_s)} wall clock, {rate(n_queries, fast_cpu)} of CPU "
        f"time ({hits / n_queries:.2%} hits; load average {os.getloadavg()[0]:.1f})"
    )

    # ... and through the in-process function, with this index in place
    services._current.index, services._current.pid = index, os.getpid()
    services._current.next_poll = float("inf")
    sample = qs[:200_000]
    from officeactions.bancheck import check as bancheck_check

    started = time.perf_counter()
    for user, ip in sample:
        bancheck_check(user, ip)
    print(f"officeactions.bancheck.check(): {rate(len(sample), time.perf_counter() - started)}")

    # 2. the naive reference, and agreement on a sample (with every hit among the first ones)
    naive = build(rules, NaiveIndex)
    sample = qs[:300] + [q for q in qs if check(*q)][:300]
    started = time.perf_counter()
    for user, ip in sample:
        expected = naive.check(user, ip)
        assert as_pairs(check(user, ip)) == expected, (user, ip, expected)
    naive_s = time.perf_counter() - started
    print(
        f"naive reference: {rate(len(sample), naive_s)}; {len(sample)} answers compared, all equal"
    )

    # 3. PostgreSQL over inet, SP-GiST and GiST
    pg = postgres_rates(rules, qs[:20_000], check)
    for method, (per_s, agreed) in pg.items():
        print(f"PostgreSQL EXISTS over inet ({method}): {per_s:,.0f}/s; {agreed} answers equal")
    best_pg = max(per_s for per_s, _ in pg.values())
    print(f"fast index / best PostgreSQL: {fast_rate / best_pg:,.0f}x")

    # 4b. rebuild from the database, 4c. memory for 1,000,000 rules
    seed_database(rules)
    started = time.perf_counter()
    built = services.build_index()
    took = time.perf_counter() - started
    print(f"index rebuild from the database: {took:.2f} s ({len(built):,} entries)")
    child = subprocess.run(
        [sys.executable, __file__, "--memory", "10"], capture_output=True, text=True, check=True
    )
    mb, entries = child.stdout.split()
    print(f"memory for {int(entries):,} rules: {float(mb):.0f} MB (RSS growth)")

    # 5. HTTP
    http()


def postgres_rates(rules, qs, check) -> dict[str, tuple[float, int]]:
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    conninfo = {
        k: params[k] for k in ("dbname", "user", "host", "port", "password") if params.get(k)
    }
    rows = [(t, None) if what == "account" else (None, t) for _, _, what, t in rules]
    folded = []
    for user, ip in qs:
        from officeactions.policy.bancheck import address_key, network_text, username_key

        packed = address_key(ip)
        folded.append((username_key(user), network_text(packed, len(packed) * 8)))
    sql = (
        "SELECT EXISTS (SELECT 1 FROM bench_ban_rules WHERE username = %s) "
        "OR EXISTS (SELECT 1 FROM bench_ban_rules WHERE addr >>= %s::inet)"
    )
    out = {}
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_ban_rules")
        conn.execute("CREATE TABLE bench_ban_rules (id bigserial, username text, addr inet)")
        with conn.cursor().copy("COPY bench_ban_rules (username, addr) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute(
            "CREATE INDEX bench_ban_user ON bench_ban_rules (username) WHERE username IS NOT NULL"
        )
        for method, opclass in (("SP-GiST", "spgist (addr)"), ("GiST", "gist (addr inet_ops)")):
            conn.execute("DROP INDEX IF EXISTS bench_ban_addr")
            conn.execute(
                f"CREATE INDEX bench_ban_addr ON bench_ban_rules USING {opclass} "
                "WHERE addr IS NOT NULL"
            )
            conn.execute("VACUUM ANALYZE bench_ban_rules")
            cur = conn.cursor()
            for user, ip in folded[:200]:  # warm up, and past the generic-plan switch
                cur.execute(sql, (user, ip), prepare=True)
            started = time.perf_counter()
            for user, ip in folded:
                cur.execute(sql, (user, ip), prepare=True)
                cur.fetchone()
            per_s = len(folded) / (time.perf_counter() - started)
            agreed = 0
            for (user, ip), (u, a) in zip(qs[:2000], folded[:2000], strict=True):
                answer = cur.execute(sql, (u, a), prepare=True).fetchone()[0]
                assert answer == bool(check(user, ip)), (user, ip)
                agreed += 1
            out[method] = (per_s, agreed)
        conn.execute("DROP TABLE bench_ban_rules")
    return out


def seed_database(rules) -> None:
    """The same rules as cases in effect, straight into the tables (like seed_cases.py)."""
    from django.db import transaction

    from officeactions.cases.models import Case, Subject, SubjectAccount, SubjectAddress

    started = time.perf_counter()
    with transaction.atomic():
        SubjectAccount.objects.filter(subject__display_name__startswith="Bench ban ").delete()
        SubjectAddress.objects.filter(subject__display_name__startswith="Bench ban ").delete()
        Case.objects.filter(title__startswith="Bench ban ").delete()
        Subject.objects.filter(display_name__startswith="Bench ban ").delete()
        n_cases = GLOBAL_BANS + RANGE_BLOCKS
        subjects = Subject.objects.bulk_create(
            [Subject(display_name=f"Bench ban {i}") for i in range(n_cases)], batch_size=5000
        )
        Case.objects.bulk_create(
            [
                Case(
                    reference=f"BB-{i:09d}",
                    kind="global_ban" if i < GLOBAL_BANS else "range_block",
                    team="trust_and_safety",
                    state="in_effect",
                    title=f"Bench ban {i}",
                    subject=subjects[i],
                )
                for i in range(n_cases)
            ],
            batch_size=5000,
        )
        SubjectAccount.objects.bulk_create(
            [
                SubjectAccount(subject=subjects[c], wiki="enwiki", username=t)
                for c, _, what, t in rules
                if what == "account"
            ],
            batch_size=5000,
        )
        SubjectAddress.objects.bulk_create(
            [
                SubjectAddress(subject=subjects[c], address=t)
                for c, _, what, t in rules
                if what == "network"
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
    took = time.perf_counter() - started
    print(f"seeded {n_cases:,} cases in effect with 100,000 rules in {took:.1f} s")


def http() -> None:
    from officeactions.bancheck.services import check_token_issue

    if shutil.which("wrk") is None:
        print("==> installing wrk (Debian package)")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    port = os.environ.get("BENCH_PORT", "18766")
    seconds = os.environ.get("BENCH_SECONDS", "5")
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    token = check_token_issue(name="bench")
    env = {
        **os.environ,
        "OFFICEACTIONS_SECRET_KEY": "bench",
        "OFFICEACTIONS_DEBUG": "false",
        "OFFICEACTIONS_ALLOWED_HOSTS": "127.0.0.1",
        "OFFICEACTIONS_LOG_LEVEL": "WARNING",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            gunicorn,
            "officeactions.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            if (
                subprocess.run(["curl", "-sf", f"{base}/healthz"], capture_output=True).returncode
                == 0
            ):
                break
            time.sleep(0.2)
        lua = str(ROOT / "bench" / "ban_check.lua")
        # Warm up: each worker builds its index on its first check.
        wrk(["-t2", "-c4", "-d3s", "-s", lua, base, "--", "/api/check", token])
        # Alternating rounds, so that the machine slowing down or speeding up part-way (it is
        # shared) weighs on both alike; the figure is the ratio of the totals.
        load = ["-t2", "-c16", f"-d{seconds}s", "-s", lua, base, "--"]
        healthz, checks = [], []
        for _ in range(rounds):
            healthz.append(wrk([*load, "/healthz", token]))
            checks.append(wrk([*load, "/api/check", token]))
        shown = ", ".join(f"{h:,.0f}/{c:,.0f}" for h, c in zip(healthz, checks, strict=True))
        print(
            f"HTTP, gunicorn -w 2, wrk -t2 -c16, {rounds} alternating rounds of {seconds}s "
            f"(GET /healthz / GET /api/check per round: {shown})"
        )
        h, c = sum(healthz) / rounds, sum(checks) / rounds
        print(f"HTTP: GET /healthz {h:,.0f}/s, GET /api/check {c:,.0f}/s = {c / h:.0%} of /healthz")
    finally:
        server.terminate()
        server.wait(timeout=30)


def wrk(args: list[str]) -> float:
    out = subprocess.run(["wrk", *args], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"wrk saw {non2xx.group(1)} error responses:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--memory":
        memory_child(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--http":  # only part 5, on a seeded database
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
        django.setup()
        http()
    else:
        main()
