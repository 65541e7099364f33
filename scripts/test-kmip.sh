#!/usr/bin/env bash
# PyKMIP (from PyPI, in a venv) as a real client of `keybridge serve` over
# mutual TLS. Assumes `cargo build --release` was run. Creates a throwaway CA,
# server and client certificates and a configuration in a temp directory,
# starts the server on a free loopback port, runs
# kmip-server/tests/pykmip/test_pykmip.py (KMIP 1.2 and 2.0), stops the server.
# Then the cross-protocol test: a key created over KMIP is the key pkcs11-tool
# sees through the PKCS#11 module, and the other way round; and the server
# with its master key held by SoftHSM2 (serves; refuses to start without it).
# Last line: `kmip-pykmip: N passed, M failed`. Needs python3, python3-venv,
# openssl, opensc (Debian packages).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/keybridge
VENV=${KEYBRIDGE_PYKMIP_VENV:-$TARGET/pykmip-venv}
PYKMIP_VERSION=0.10.0

if [[ ! -x $BIN ]]; then
    echo "test-kmip: $BIN is missing: run cargo build --release first" >&2
    echo "kmip-pykmip: 0 passed, 1 failed"
    exit 1
fi

if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
# -I: the checkout has a kmip/ folder that would shadow the package.
if ! "$VENV/bin/python" -I -c "import kmip" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet "pykmip==$PYKMIP_VERSION"
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- certificates (a CA, the server for localhost / 127.0.0.1, the client
# CN pykmip-test), keybridge.toml, start_server / stop_server -----------------
# shellcheck source=lib-kmip-server.sh
source "$ROOT/scripts/lib-kmip-server.sh"
cd "$WORK"
kmip_certs "$WORK"

start_server "$WORK/keybridge.toml"
if [[ -z $PORT ]]; then
    echo "test-kmip: the server did not start:" >&2
    cat server.err >&2
    echo "kmip-pykmip: 0 passed, 1 failed"
    exit 1
fi

# --- PyKMIP ----------------------------------------------------------------
set +e
KMIP_HOST=127.0.0.1 KMIP_PORT=$PORT KMIP_CERT=$WORK/client.crt \
    KMIP_KEY=$WORK/client.key KMIP_CA=$WORK/ca.crt \
    "$VENV/bin/python" "$ROOT/kmip-server/tests/pykmip/test_pykmip.py" > pykmip.out 2>&1
STATUS=$?
set -e
grep -v '^kmip-pykmip:' pykmip.out || true

# --- one store, two protocols ------------------------------------------------
# The PyKMIP client's identity (CN pykmip-test) owns the partition labelled
# pykmip-test, which the PKCS#11 module shows as the token of that label.
MODULE=$TARGET/release/libkeybridge_pkcs11.so
CROSS_PASS=0
CROSS_FAIL=0
cross() { # name, command...
    local name=$1; shift
    if "$@" > cross.out 2>&1; then
        CROSS_PASS=$((CROSS_PASS + 1)); echo "PASS $name"
    else
        CROSS_FAIL=$((CROSS_FAIL + 1)); echo "FAIL $name"; sed 's/^/    /' cross.out | tail -20
    fi
}
export KEYBRIDGE_CONF=$WORK/keybridge.toml
export KMIP_HOST=127.0.0.1 KMIP_PORT=$PORT KMIP_CERT=$WORK/client.crt KMIP_KEY=$WORK/client.key KMIP_CA=$WORK/ca.crt
PY=("$VENV/bin/python" "$ROOT/kmip-server/tests/pykmip/cross.py")
P11=(pkcs11-tool --module "$MODULE" --token-label pykmip-test --login --pin cross-user-pin)
cross "cross-protocol: admin sets the token's user PIN" bash -c 'echo cross-user-pin | "$0" partition set-pin pykmip-test' "$BIN"
read -r KMIP_UID KMIP_HEX < <("${PY[@]}" create cross-kmip-key) || true
export KMIP_UID=${KMIP_UID:-missing-uid} KMIP_HEX=${KMIP_HEX:-missing-value}
cross "cross-protocol: KMIP Create returned a 256-bit key" test ${#KMIP_HEX} -eq 64
cross "cross-protocol: pkcs11-tool lists the KMIP key by its Name as CKA_LABEL" \
    bash -c '"$@" --list-objects --type secrkey | grep -q "label: *cross-kmip-key$"' _ "${P11[@]}"
cross "cross-protocol: pkcs11-tool shows its CKA_UNIQUE_ID = the KMIP Unique Identifier" \
    bash -c '"$@" --list-objects --type secrkey | grep -qi "$KMIP_UID"' _ "${P11[@]}"
cross "cross-protocol: the token's key bytes are the KMIP key's bytes" \
    bash -c '"$@" --read-object --type secrkey --label cross-kmip-key -o p11-value.bin &&
             [ "$(od -An -tx1 p11-value.bin | tr -d " \n")" = "$KMIP_HEX" ]' _ "${P11[@]}"
cross "cross-protocol: pkcs11-tool generates a key in the token" \
    "${P11[@]}" --keygen --key-type AES:32 --label cross-p11-key
cross "cross-protocol: KMIP Locate finds the PKCS#11 key by name" \
    bash -c '[ -n "$("$@" locate cross-p11-key)" ]' _ "${PY[@]}"
cross "cross-protocol: KMIP Locate of an unknown name finds nothing" \
    bash -c '[ -z "$("$@" locate no-such-key)" ]' _ "${PY[@]}"
stop_server

# --- the server with its master key held by SoftHSM2 -------------------------
HSM=$WORK/hsm
mkdir -p "$HSM/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$HSM/tokens" > "$HSM/softhsm2.conf"
export SOFTHSM2_CONF=$HSM/softhsm2.conf
softhsm2-util --init-token --free --label kb-smk --so-pin 12345678 --pin 87654321 > /dev/null
hsm_conf() { # token label -> a configuration whose master key is in that token
    cat <<HSMCONF
[store]
path = "$HSM/store.db"

[master_key]
source = "pkcs11"
module = "/usr/lib/softhsm/libsofthsm2.so"
token_label = "$1"
pin_env = "KB_HSM_PIN"

[kmip]
listen = "127.0.0.1:0"
cert = "$WORK/server.crt"
key = "$WORK/server.key"
client_ca = "$WORK/ca.crt"
HSMCONF
}
hsm_conf kb-smk > "$HSM/keybridge.toml"
hsm_conf no-such-token > "$HSM/missing-token.toml"
export KB_HSM_PIN=87654321
start_server "$HSM/keybridge.toml"
cross "HSM master key: the server starts" test -n "$PORT"
export KMIP_PORT=${PORT:-0}
read -r HSM_UID HSM_HEX < <("${PY[@]}" create hsm-held-key) || true
export HSM_UID=${HSM_UID:-missing-uid} HSM_HEX=${HSM_HEX:-}
cross "HSM master key: the server creates and serves a key" test ${#HSM_HEX} -eq 64
stop_server
start_server "$HSM/keybridge.toml"
export KMIP_PORT=${PORT:-0}
cross "HSM master key: after a restart the key is found again" \
    bash -c '[ "$("$@" locate hsm-held-key)" = "$HSM_UID" ]' _ "${PY[@]}"
stop_server
BEFORE=$(sha256sum "$HSM/store.db")
KB_HSM_PIN=wrong-pin refused_start "$HSM/keybridge.toml"
cross "HSM master key: a wrong PIN stops the server with a clear message" \
    bash -c '[ -z "$1" ] && grep -q "PIN is incorrect" server.err && ! grep -q wrong-pin server.err' _ "$PORT"
refused_start "$HSM/missing-token.toml"
cross "HSM master key: a missing token stops the server with a clear message" \
    bash -c '[ -z "$1" ] && grep -q "no initialized token labelled" server.err' _ "$PORT"
cross "HSM master key: the refused starts left the store untouched" \
    bash -c '[ "$(sha256sum "$1/store.db")" = "$2" ]' _ "$HSM" "$BEFORE"
echo "kmip-integration: $CROSS_PASS passed, $CROSS_FAIL failed"

SUMMARY=$(grep '^kmip-pykmip:' pykmip.out | tail -n 1 || true)
if [[ -z $SUMMARY ]]; then
    echo "test-kmip: the PyKMIP test did not finish (exit $STATUS)" >&2
    SUMMARY="kmip-pykmip: 0 passed, 1 failed"
    STATUS=1
fi
echo "$SUMMARY"
[ "$CROSS_FAIL" -eq 0 ] || STATUS=1
exit "$STATUS"
