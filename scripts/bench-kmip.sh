#!/usr/bin/env bash
# KMIP server benchmark, side by side in one run: keybridge and PyKMIP
# (pykmip-server from PyPI, in a venv), started the same way: the same
# throwaway CA, server and client certificates (P-256), loopback, a fresh
# SQLite store each on the same disk as the checkout (not tmpfs, so fsync
# costs what it costs). The load client is compiled
# (kmip-server/examples/kmip_bench.rs) and speaks KMIP 1.2 to both.
#
#   scripts/bench-kmip.sh
#
# Builds what it needs (cargo build --release -p kmip-server --bin keybridge
# --example kmip_bench; BENCH_BUILD=0 skips that). BENCH_SECONDS (default 5) is the length of one cell;
# BENCH_CELLS picks cells (default get1,get8,enc1,enc8,conn8,connfull8,create8);
# BENCH_SERVERS picks servers (default "keybridge pykmip"); BENCH_DRIVER
# (threads, the default, or event-loop) is how the load client drives its
# 8-connection get/encrypt/create cells: a thread per connection, or every
# connection on one event-loop thread (fewer client threads competing with
# the server for a small machine's cores).
# Prints one table: ops/s, p50 and p99 latency per cell, and the ratio.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
# KEYBRIDGE_BIN: another keybridge build to measure (e.g. a baseline).
BIN=${KEYBRIDGE_BIN:-$TARGET/release/keybridge}
BENCH=$TARGET/release/examples/kmip_bench
# Its own venv: PyKMIP 0.10 leaks database connections with SQLAlchemy 2
# (every session stalls after 15 operations), so SQLAlchemy 1.3 is pinned.
VENV=${KEYBRIDGE_PYKMIP_BENCH_VENV:-$TARGET/pykmip-bench-venv}
PYKMIP_VERSION=0.10.0
SECONDS_PER_CELL=${BENCH_SECONDS:-5}
CELLS=${BENCH_CELLS:-get1,get8,enc1,enc8,conn8,connfull8,create8}
SERVERS=${BENCH_SERVERS:-keybridge pykmip}

if [[ ${BENCH_BUILD:-1} != 0 ]]; then
    (cd "$ROOT" && cargo build --quiet --release -p kmip-server --bin keybridge --example kmip_bench)
fi

if [[ $SERVERS == *pykmip* ]]; then
    if [[ ! -x $VENV/bin/python ]]; then
        python3 -m venv "$VENV"
    fi
    # -I: the checkout has a kmip/ folder that would shadow the package.
    if ! "$VENV/bin/python" -I -c "import kmip" 2>/dev/null; then
        "$VENV/bin/pip" install --quiet "pykmip==$PYKMIP_VERSION" "sqlalchemy<1.4"
    fi
fi

# Stores under target/ (the checkout's disk), not /tmp, which may be tmpfs.
# BENCH_DIR elsewhere (e.g. /dev/shm, where fsync is free) is a diagnostic
# that shows the CPU ceiling; the header line says which filesystem it was.
BENCH_DIR=${BENCH_DIR:-$TARGET/bench}
mkdir -p "$BENCH_DIR"
WORK=$(mktemp -d "$BENCH_DIR/kmip.XXXXXX")
SERVER_PID=
cleanup() {
    stop_server
    [[ -n ${BENCH_KEEP:-} ]] || rm -rf "$WORK"
}
stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
trap cleanup EXIT

# --- certificates: a CA, the server (localhost / 127.0.0.1), one client ------
cd "$WORK"
ec() { echo "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"; }
openssl req -x509 $(ec) -keyout ca.key -out ca.crt -days 2 \
    -subj "/CN=keybridge bench CA" 2>/dev/null
openssl req $(ec) -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out server.crt -days 2 -extfile server.ext 2>/dev/null
openssl req $(ec) -keyout client.key -out client.csr -subj "/CN=bench-client" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out client.crt -days 2 -extfile client.ext 2>/dev/null
chmod 600 ./*.key

wait_port() { # server name, port (empty: read keybridge's banner)
    for _ in $(seq 1 150); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "bench-kmip: $1 exited:" >&2; cat "$1.err" >&2; return 1
        fi
        if [[ -z $2 ]]; then
            PORT=$(sed -n 's/^keybridge: KMIP server listening on .*:\([0-9]*\)$/\1/p' "$1.out")
        elif (echo > "/dev/tcp/127.0.0.1/$2") 2>/dev/null; then
            PORT=$2
        fi
        [[ -n ${PORT:-} ]] && return 0
        sleep 0.2
    done
    echo "bench-kmip: $1 did not start listening" >&2
    return 1
}

start_keybridge() {
    cat > keybridge.toml <<CONF
[store]
path = "$WORK/keybridge/store.db"

[master_key]
source = "file"
file = "$WORK/keybridge/master.key"

[kmip]
listen = "127.0.0.1:0"
cert = "$WORK/server.crt"
key = "$WORK/server.key"
client_ca = "$WORK/ca.crt"
CONF
    mkdir -p keybridge
    KEYBRIDGE_CONF=$WORK/keybridge.toml "$BIN" serve > keybridge.out 2> keybridge.err &
    SERVER_PID=$!
    PORT=
    wait_port keybridge ""
}

start_pykmip() {
    local port
    port=$("$VENV/bin/python" -I -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p pykmip/policies
    cat > pykmip.conf <<CONF
[server]
hostname=127.0.0.1
port=$port
certificate_path=$WORK/server.crt
key_path=$WORK/server.key
ca_path=$WORK/ca.crt
auth_suite=TLS1.2
policy_path=$WORK/pykmip/policies
enable_tls_client_auth=True
logging_level=WARNING
database_path=$WORK/pykmip/pykmip.db
CONF
    (cd pykmip && exec "$VENV/bin/pykmip-server" -f "$WORK/pykmip.conf" -l "$WORK/pykmip/server.log") \
        > pykmip.out 2> pykmip.err &
    SERVER_PID=$!
    PORT=
    wait_port pykmip "$port"
}

run_bench() { # server name
    "$BENCH" --port "$PORT" --ca ca.crt --cert client.crt --key client.key \
        --seconds "$SECONDS_PER_CELL" --cells "$CELLS" --driver "${BENCH_DRIVER:-threads}" | tee "$1.results" | sed "s/^/  [$1] /"
}

echo "bench-kmip: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), ${SECONDS_PER_CELL}s per cell, client driver ${BENCH_DRIVER:-threads}, stores on $(stat -f -c %T "$WORK") ($BENCH_DIR)"
for s in $SERVERS; do
    echo "bench-kmip: $s"
    "start_$s"
    run_bench "$s" || echo "bench-kmip: the load client failed against $s" >&2
    stop_server
done

# --- table -------------------------------------------------------------------
# key: cell/threads -> "ops_s p50 p99 errors resumed"
summary() { # results file
    [[ -f $1 ]] || return 0
    sed -n 's/^RESULT cell=\([a-z-]*\) threads=\([0-9]*\) ops=[0-9]* ops_s=\([0-9]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) errors=\([0-9]*\) resumed=\([0-9]*\).*/\1 \2 \3 \4 \5 \6 \7/p' "$1"
}
echo
printf '%-26s | %-34s | %-34s | %s\n' "cell" "keybridge ops/s (p50/p99 ms)" "PyKMIP ops/s (p50/p99 ms)" "ratio"
printf '%s\n' "---------------------------+------------------------------------+------------------------------------+-------"
label() {
    case $1 in
        get) echo "Get secret, $2 conn" ;;
        encrypt) echo "AES-GCM 1 KiB, $2 conn" ;;
        connect) echo "new conn+Get resumed, $2" ;;
        connect-full) echo "new conn+Get full, $2" ;;
        create) echo "Create AES-256, $2 conn" ;;
    esac
}
summary keybridge.results > kb.sum || true
summary pykmip.results > py.sum || true
cat kb.sum py.sum | awk '{print $1" "$2}' | awk '!seen[$0]++' | while read -r cell threads; do
    kb=$(awk -v c="$cell" -v t="$threads" '$1==c && $2==t' kb.sum)
    py=$(awk -v c="$cell" -v t="$threads" '$1==c && $2==t' py.sum)
    fmt() { # summary line
        [[ -z $1 ]] && { echo "-"; return; }
        set -- $1
        local extra=""
        [[ $6 != 0 ]] && extra=" ERR=$6"
        [[ $1 == connect ]] && extra="$extra resumed=$7"
        echo "$3 ($4/$5)$extra"
    }
    ratio="-"
    if [[ -n $kb && -n $py && $(echo "$kb" | cut -d' ' -f6) != 0 || -n $py && $(echo "$py" | cut -d' ' -f6) != 0 ]]; then
        ratio="- (errors)"
    elif [[ -n $kb && -n $py ]]; then
        ratio=$(awk -v a="$(echo "$kb" | cut -d' ' -f3)" -v b="$(echo "$py" | cut -d' ' -f3)" \
            'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
    fi
    printf '%-26s | %-34s | %-34s | %s\n' "$(label "$cell" "$threads")" "$(fmt "$kb")" "$(fmt "$py")" "$ratio"
done
for s in $SERVERS; do
    grep -h '^NOTE\|refused=' "$s.results" 2>/dev/null | sed "s/^/bench-kmip: $s: /" || true
    # The first error of every cell that had some.
    sed -n 's/^RESULT cell=\([a-z-]*\) threads=\([0-9]*\).* errors=\([1-9][0-9]*\) .*error=\(.*\)$/\1 x\2: \3 errors, first: \4/p' \
        "$s.results" 2>/dev/null | sed "s/^/bench-kmip: $s: /" || true
done
