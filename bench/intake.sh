#!/usr/bin/env bash
# Intake under load: the public submission endpoint against a trivial JSON view (/healthz),
# both served by gunicorn the same way, each hit by wrk on 127.0.0.1 for a bounded time.
# Afterwards every accepted submission must be in the database.
# Served as in production: gunicorn with threaded workers, so that submissions arriving together
# share a commit (the intake writer thread; see officeactions/intake/services.py), and with
# --reuse-port, so that the kernel spreads the connections evenly over the processes (without
# it one process may take most of them, and a run measures one core instead of two).
# Usage: DATABASE_URL=postgres://... bench/intake.sh [seconds] [workers] [threads] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
WORKERS="${2:-2}"
THREADS="${3:-16}"
CONNECTIONS="${4:-16}"
PORT="${BENCH_PORT:-18765}"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
export OFFICEACTIONS_SECRET_KEY=bench OFFICEACTIONS_DEBUG=false OFFICEACTIONS_HTTPS=false
export OFFICEACTIONS_ALLOWED_HOSTS=127.0.0.1
export OFFICEACTIONS_PUBLIC_RATE=100000000/s   # the per-client limit would stop one client
export OFFICEACTIONS_EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
export OFFICEACTIONS_LOG_LEVEL=WARNING

count() {
    .venv/bin/python -c "
import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'officeactions.settings'); django.setup()
from officeactions.intake.models import Request; print(Request.objects.count())"
}

.venv/bin/gunicorn officeactions.wsgi -w "$WORKERS" --worker-class gthread --threads "$THREADS" --reuse-port \
    -b "127.0.0.1:$PORT" --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

# Warm up both (first requests compile patterns, open connections), then alternating rounds, so
# that the shared machine slowing down or speeding up part-way weighs on both alike; the ratio
# is that of the totals.
ROUNDS="${BENCH_ROUNDS:-3}"
REFS=$(mktemp -d)
LOAD=(-t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s")
wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$PORT/healthz" >/dev/null
mkdir -p "$REFS/warm"
wrk -t2 -c"$CONNECTIONS" -d2s -s bench/intake.lua "http://127.0.0.1:$PORT/api/public/requests/" \
    -- "warm$(date +%s%N)" "$REFS/warm" >/dev/null
BEFORE=$(count)
: > "$REFS/rounds.txt"
for round in $(seq "$ROUNDS"); do
    echo "== round $round: GET /healthz, then POST /api/public/requests/, ${SECONDS_PER_RUN}s each, gunicorn -w $WORKERS --threads $THREADS, wrk -t2 -c$CONNECTIONS"
    wrk "${LOAD[@]}" "http://127.0.0.1:$PORT/healthz" | tee "$REFS/healthz.txt"
    mkdir -p "$REFS/$round"  # each wrk run writes its own files of accepted references
    wrk "${LOAD[@]}" -s bench/intake.lua "http://127.0.0.1:$PORT/api/public/requests/" \
        -- "$(date +%s%N)" "$REFS/$round" | tee "$REFS/intake.txt"
    base=$(awk '/Requests\/sec/ {print $2}' "$REFS/healthz.txt")
    rate=$(awk '/Requests\/sec/ {print $2}' "$REFS/intake.txt")
    sent=$(awk '/requests in/ {print $1}' "$REFS/intake.txt")
    bad=$(awk '/Non-2xx/ {print $5}' "$REFS/intake.txt")
    echo "$base $rate $sent ${bad:-0}" >> "$REFS/rounds.txt"
done
AFTER=$(count)

echo "== result"
python3 - "$REFS/rounds.txt" <<'PY'
import sys
rounds = [list(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
for n, (base, rate, _, _) in enumerate(rounds, 1):
    print(f"round {n}: healthz {base:.0f} req/s, intake {rate:.0f} req/s ({rate / base:.0%})")
base = sum(r[0] for r in rounds) / len(rounds)
rate = sum(r[1] for r in rounds) / len(rounds)
print(f"healthz: {base:.2f} req/s; intake: {rate:.2f} req/s ({rate / base:.0%} of healthz)")
print(f"intake responses: {sum(int(r[2]) for r in rounds)}, non-2xx: {sum(int(r[3]) for r in rounds)}")
PY
echo "requests stored during the rounds: $((AFTER - BEFORE))"
# None lost: every reference the endpoint answered 201 with is in the database.
cat "$REFS"/*/refs-*.txt | .venv/bin/python -c "
import sys, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'officeactions.settings'); django.setup()
from officeactions.intake.models import Request
refs = [line.strip() for line in sys.stdin if line.strip()]
stored = set(Request.objects.filter(reference__in=refs).values_list('reference', flat=True))
lost = [r for r in refs if r not in stored]
print(f'accepted (201) references checked: {len(refs)}; missing from the database: {len(lost)}')
sys.exit(1 if lost or not refs else 0)
"
