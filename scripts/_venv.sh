# Sourced by scripts/demo and scripts/test: a project virtualenv kept in step
# with a requirements file. Nothing here downloads browsers or touches the system.

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Metric Gate needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
    return 1
}

# ensure_venv REQUIREMENTS_FILE: create .venv if missing, then install the file
# unless the same requirements were installed before (checked by content hash).
ensure_venv() {
    local requirements="$1" python stamp digest
    if [ ! -x .venv/bin/python ]; then
        python="$(pick_python)"
        echo "Creating .venv with $python"
        "$python" -m venv .venv
    fi

    digest="$(cat requirements*.txt | .venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
    stamp=".venv/.installed-$(basename "$requirements" .txt)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
        echo "Installing $requirements into .venv"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
        echo "$digest" >"$stamp"
    fi
}
