#!/usr/bin/env bash
# A bounded load test: the public intake endpoint and the staff queue API together, for 60 s
# (or $1), against PostgreSQL, served as in production (gunicorn, threaded workers) on
# 127.0.0.1. Passes only with no errors and nothing lost: every 201 answer's reference is in the
# database afterwards, and every queue answer was a 200.
# Usage: DATABASE_URL=postgres://... bench/load.sh [seconds] [workers] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL="${1:-60}"
WORKERS="${2:-2}"
THREADS="${3:-16}"
PORT="${BENCH_PORT:-18766}"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
export OFFICEACTIONS_SECRET_KEY=bench OFFICEACTIONS_DEBUG=false OFFICEACTIONS_HTTPS=false
export OFFICEACTIONS_ALLOWED_HOSTS=127.0.0.1
export OFFICEACTIONS_PUBLIC_RATE=100000000/s   # the per-client limit would stop one client
export OFFICEACTIONS_EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
export OFFICEACTIONS_LOG_LEVEL=WARNING

TOKEN=$(.venv/bin/python - <<'PY'
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
django.setup()
from django.contrib.auth import get_user_model
from officeactions.accounts.roles import role_grant
from officeactions.accounts.services import api_token_create
from officeactions.policy import Role
user, _ = get_user_model().objects.get_or_create(username="load-staff")
role_grant(user=user, role=Role.TS_STAFF)
print(api_token_create(user=user, name="load test")[1])
PY
)

.venv/bin/gunicorn officeactions.wsgi -w "$WORKERS" --worker-class gthread --threads "$THREADS" \
    --reuse-port -b "127.0.0.1:$PORT" --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

REFS=$(mktemp -d)
# The public side: 8 connections submitting without pause. The staff side: 2 people reloading
# the queue without pause (a queue of 1,000,000 cases with its total count). A request slower
# than 10 s counts as an error.
echo "== ${SECONDS_TOTAL}s together: POST /api/public/requests/ (wrk -t1 -c8) and" \
     "GET /api/queue/?limit=50 as staff (wrk -t1 -c2); gunicorn -w $WORKERS --threads $THREADS"
wrk -t1 -c8 -d"${SECONDS_TOTAL}s" --timeout 10s -s bench/intake.lua \
    "http://127.0.0.1:$PORT/api/public/requests/" -- "$(date +%s%N)" "$REFS" > /tmp/oa-load-intake.txt &
INTAKE=$!
wrk -t1 -c2 -d"${SECONDS_TOTAL}s" --timeout 10s -H "Authorization: Token $TOKEN" \
    "http://127.0.0.1:$PORT/api/queue/?limit=50" > /tmp/oa-load-queue.txt
wait $INTAKE
for part in intake queue; do
    echo "-- $part"; grep -E "Latency|Requests/sec|requests in|Non-2xx|Socket errors" "/tmp/oa-load-$part.txt"
done
bad=$(cat /tmp/oa-load-intake.txt /tmp/oa-load-queue.txt | awk '/Non-2xx|Socket errors/ {n++} END {print n+0}')
cat "$REFS"/refs-*.txt | .venv/bin/python -c "
import sys, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'officeactions.settings'); django.setup()
from officeactions.intake.models import Request
refs = [line.strip() for line in sys.stdin if line.strip()]
stored = set(Request.objects.filter(reference__in=refs).values_list('reference', flat=True))
lost = [r for r in refs if r not in stored]
print(f'accepted (201) references checked: {len(refs)}; missing from the database: {len(lost)}')
sys.exit(1 if lost or not refs else 0)
"
if [ "$bad" != "0" ]; then echo "FAILED: errors or non-2xx answers (above)"; exit 1; fi
echo "no errors, nothing lost"
