# Sourced by scripts/run and scripts/test: finds a Python 3.12+ interpreter, creates .venv and
# installs the project into it (again only when pyproject.toml or the compiled part changed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

python_ok() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
    local candidates=()
    [ -n "${OFFICEACTIONS_PYTHON:-}" ] && candidates+=("$OFFICEACTIONS_PYTHON")
    candidates+=(python3.13 python3.12 python3)
    # pyenv keeps versions that are installed but not selected; their shims refuse to run.
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    for dir in "$pyenv_root"/versions/3.1[2-9]* "$pyenv_root"/versions/3.[2-9][0-9]*; do
        [ -x "$dir/bin/python3" ] && candidates+=("$dir/bin/python3")
    done
    for c in "${candidates[@]}"; do
        if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

if [ ! -x "$VENV/bin/python" ] || ! python_ok "$VENV/bin/python"; then
    if ! PYTHON="$(find_python)"; then
        echo "error: Office Actions Desk needs Python 3.12 or newer (Django 6.1 requires it)." >&2
        echo "       None was found on PATH or under ${PYENV_ROOT:-$HOME/.pyenv}/versions." >&2
        echo "       Install one (e.g. 'pyenv install 3.12') or set OFFICEACTIONS_PYTHON." >&2
        exit 1
    fi
    echo "==> creating .venv with $PYTHON ($("$PYTHON" --version))"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

STAMP="$VENV/.installed"
# The ban check's fast path is compiled at install (setup.py), so its source counts too.
WANT="$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" "$ROOT/officeactions/bancheck/_fastpath.pyx" \
    | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "==> installing officeactions and its dependencies into .venv"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[test,bench]"
    echo "$WANT" > "$STAMP"
fi

export PATH="$VENV/bin:$PATH"
cd "$ROOT"
