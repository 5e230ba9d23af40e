#!/usr/bin/env bash
# Intake under load: the public submission endpoint against a trivial JSON view (/healthz),
# both served by gunicorn the same way, each hit by wrk on 127.0.0.1 for a bounded time.
# Afterwards every accepted submission must be in the database.
# Served as in production: gunicorn with threaded workers, so that submissions arriving together
# share a commit (the intake writer thread; see officeactions/intake/services.py).
# Usage: DATABASE_URL=postgres://... bench/intake.sh [seconds] [workers] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
WORKERS="${2:-2}"
THREADS="${3:-16}"
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

.venv/bin/gunicorn officeactions.wsgi -w "$WORKERS" --worker-class gthread --threads "$THREADS" -b "127.0.0.1:$PORT" --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

echo "== baseline: GET /healthz, ${SECONDS_PER_RUN}s, gunicorn -w $WORKERS --threads $THREADS, wrk -t2 -c16"
wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$PORT/healthz" | tee /tmp/oa-bench-healthz.txt

REFS=$(mktemp -d)
BEFORE=$(count)
echo "== intake: POST /api/public/requests/, ${SECONDS_PER_RUN}s, gunicorn -w $WORKERS --threads $THREADS, wrk -t2 -c16"
wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" -s bench/intake.lua \
    "http://127.0.0.1:$PORT/api/public/requests/" -- "$(date +%s%N)" "$REFS" \
    | tee /tmp/oa-bench-intake.txt
AFTER=$(count)

sent=$(awk '/requests in/ {print $1}' /tmp/oa-bench-intake.txt)
bad=$(awk '/Non-2xx/ {print $5}' /tmp/oa-bench-intake.txt); bad=${bad:-0}
base=$(awk '/Requests\/sec/ {print $2}' /tmp/oa-bench-healthz.txt)
rate=$(awk '/Requests\/sec/ {print $2}' /tmp/oa-bench-intake.txt)
echo "== result"
echo "healthz: $base req/s; intake: $rate req/s ($(python3 -c "print(f'{$rate / $base:.0%}')") of healthz)"
echo "intake responses: $sent, non-2xx: $bad; requests stored during the run: $((AFTER - BEFORE))"
# None lost: every reference the endpoint answered 201 with is in the database.
cat "$REFS"/refs-*.txt | .venv/bin/python -c "
import sys, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'officeactions.settings'); django.setup()
from officeactions.intake.models import Request
refs = [line.strip() for line in sys.stdin if line.strip()]
stored = set(Request.objects.filter(reference__in=refs).values_list('reference', flat=True))
lost = [r for r in refs if r not in stored]
print(f'accepted (201) references checked: {len(refs)}; missing from the database: {len(lost)}')
sys.exit(1 if lost or not refs else 0)
"
