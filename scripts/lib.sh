# shellcheck shell=bash
# Shared setup for scripts/test, scripts/run, scripts/ensure-engine and scripts/stop-engine.
# Sourced, never executed. Callers set -euo pipefail themselves.

# shellcheck disable=SC2034  # used by the scripts that source this
NETDOCK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$NETDOCK_ROOT/.run"
VENV="$NETDOCK_ROOT/.venv"
# The Debian client matches the Debian engine (20.10); a newer client elsewhere on PATH may not.
DOCKER=/usr/bin/docker
DEFAULT_SOCKET=/var/run/docker.sock

log() { printf 'netdock: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# The engine the tests will talk to: $DOCKER_HOST if set, else the default socket.
engine_address() { printf '%s' "${DOCKER_HOST:-unix://$DEFAULT_SOCKET}"; }

# True when an engine answers GET /_ping at engine_address. Python, not curl: a fresh
# Debian has python3 but not necessarily curl.
engine_answers() {
    python3 - "$(engine_address)" <<'PY'
import socket, sys
addr = sys.argv[1]
try:
    if addr.startswith("unix://"):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        s.connect(addr[len("unix://"):])
    elif addr.startswith("tcp://"):
        host, _, port = addr[len("tcp://"):].rstrip("/").rpartition(":")
        s = socket.create_connection((host, int(port)), timeout=2)
    else:
        sys.exit(1)
    s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
    reply = s.recv(4096)
except OSError:
    sys.exit(1)
sys.exit(0 if reply.startswith(b"HTTP/1.") and b" 200 " in reply.split(b"\r\n")[0] else 1)
PY
}

apt_install() {
    command -v apt-get >/dev/null || die "need $*, and apt-get is not here to install them"
    log "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
}

# Create .venv if missing and install the project into it; pip runs only when
# pyproject.toml or constraints.txt changed since the last install (their hash is kept in a
# stamp file).
ensure_venv() {
    if [[ ! -x "$VENV/bin/python" ]]; then
        # Debian's own python3 has no ensurepip until python3-venv is installed.
        python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
        log "creating $VENV"
        python3 -m venv "$VENV"
    fi
    local stamp="$VENV/.netdock-installed" want
    want="$(cat "$NETDOCK_ROOT/pyproject.toml" "$NETDOCK_ROOT/constraints.txt" \
        <(echo editable_mode=compat) | sha256sum | cut -d' ' -f1)"
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        log "installing netdock[dev] into $VENV"
        # constraints.txt pins what the suite was last run with: the screen snapshots
        # depend on Textual's exact rendering.
        # Compat mode puts the tree on sys.path with a plain .pth line: the default mode's
        # import hook costs every start of netdock about 15 ms before its first row.
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
            -c "$NETDOCK_ROOT/constraints.txt" --config-settings editable_mode=compat \
            -e "${NETDOCK_ROOT}[dev]"
        printf '%s\n' "$want" >"$stamp"
    fi
}

# For callers that should stop the engine on exit only if this run is the one that starts it.
stop_engine_on_exit_if_we_start_it() {
    if ! engine_answers; then
        # shellcheck disable=SC2064  # expand the path now
        trap "'$NETDOCK_ROOT/scripts/stop-engine'" EXIT
    fi
}
