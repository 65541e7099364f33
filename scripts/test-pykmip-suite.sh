#!/usr/bin/env bash
# PyKMIP's own integration suite (kmip/tests/integration of the pykmip 0.10.0
# source distribution, downloaded from PyPI at test time, never kept in this
# repository) against an empty `keybridge serve` over mutual TLS with
# throwaway certificates. Failures listed with a reason in
# kmip-server/tests/pykmip/suite-expected-failures.txt are expected; any other
# failure (or an expected failure that now passes) fails the script.
# Assumes `cargo build --release`; needs python3-venv, openssl and network
# access to PyPI. PYKMIP_SUITE_OUT=FILE keeps pytest's full output. Takes
# about 30 s, most of it the suite's own sleeps. Last line:
# `pykmip-suite: N passed, M failed, K expected failures`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/keybridge
VENV=${KEYBRIDGE_PYKMIP_VENV:-$TARGET/pykmip-venv}
PYKMIP_VERSION=0.10.0
EXPECTED=$ROOT/kmip-server/tests/pykmip/suite-expected-failures.txt
# shellcheck source=lib-kmip-server.sh
source "$ROOT/scripts/lib-kmip-server.sh"

summary() { echo "pykmip-suite: $1 passed, $2 failed, $3 expected failures"; }
if [[ ! -x $BIN ]]; then
    echo "test-pykmip-suite: $BIN is missing: run cargo build --release first" >&2
    summary 0 1 0
    exit 1
fi

if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
# -I: the checkout has a kmip/ folder that would shadow the package.
if ! "$VENV/bin/python" -I -c "import kmip" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet "pykmip==$PYKMIP_VERSION"
fi
if ! "$VENV/bin/python" -I -c "import pytest, testtools" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet pytest testtools
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- the suite, from PyPI ------------------------------------------------------
"$VENV/bin/pip" download --quiet --no-binary :all: --no-deps \
    "pykmip==$PYKMIP_VERSION" -d "$WORK/sdist"
tar -xzf "$WORK"/sdist/*.tar.gz -C "$WORK/sdist"
SUITE=$(echo "$WORK"/sdist/*/kmip/tests/integration)
# Only the tests run from the sdist; the imported kmip package is the one
# installed in the venv (same version).
mkdir -p "$WORK/run"
cp -r "$SUITE" "$WORK/run/integration"

# --- an empty server ------------------------------------------------------------
kmip_certs "$WORK"
start_server "$WORK/keybridge.toml"
if [[ -z $PORT ]]; then
    echo "test-pykmip-suite: the server did not start:" >&2
    cat "$WORK/server.err" >&2
    summary 0 1 0
    exit 1
fi

# The suite's fixtures open KMIPProxy / ProxyKmipClient with --config client:
# the [client] section of ~/.pykmip/pykmip.conf (HOME is the temp dir).
mkdir -p "$WORK/.pykmip"
cat > "$WORK/.pykmip/pykmip.conf" <<CONF
[client]
host=127.0.0.1
port=$PORT
certfile=$WORK/client.crt
keyfile=$WORK/client.key
ca_certs=$WORK/ca.crt
cert_reqs=CERT_REQUIRED
ssl_version=PROTOCOL_SSLv23
do_handshake_on_connect=True
suppress_ragged_eofs=True
CONF

set +e
# suite_isolation (ours) empties the partition before each test, so a test
# that fails half-way does not fail the tear-down of every later one.
cp "$ROOT/kmip-server/tests/pykmip/suite_isolation.py" "$WORK/run/"
(cd "$WORK/run" && HOME=$WORK PYTHONPATH=$WORK/run "$VENV/bin/python" -m pytest \
    -p no:cacheprovider -p suite_isolation -q -rA --config client integration \
    > "$WORK/pytest.out" 2>&1)
set -e

# --- compare with the expected failures -------------------------------------------
sed -n 's/^PASSED \(integration\/[^ ]*\).*/\1/p' "$WORK/pytest.out" | sort -u > "$WORK/passed"
sed -n 's/^\(FAILED\|ERROR\) \(integration\/[^ ]*\).*/\2/p' "$WORK/pytest.out" | sort -u > "$WORK/failed"
{ grep -v '^\s*\(#\|$\)' "$EXPECTED" || true; } | awk '{print $1}' | sort -u > "$WORK/expected"
PASSED=$(wc -l < "$WORK/passed")
UNEXPECTED=$(comm -23 "$WORK/failed" "$WORK/expected")
XFAIL=$(comm -12 "$WORK/failed" "$WORK/expected" | grep -c . || true)
NOW_PASSING=$(comm -12 "$WORK/passed" "$WORK/expected")
STATUS=0
if [[ $PASSED -eq 0 ]]; then
    echo "test-pykmip-suite: no test passed; pytest said:" >&2
    tail -30 "$WORK/pytest.out" >&2
    STATUS=1
fi
if [[ -n $UNEXPECTED ]]; then
    echo "test-pykmip-suite: unexpected failures:"
    echo "$UNEXPECTED" | sed 's/^/    /'
    STATUS=1
fi
if [[ -n $NOW_PASSING ]]; then
    echo "test-pykmip-suite: listed as expected failures but passed (remove them from $EXPECTED):"
    echo "$NOW_PASSING" | sed 's/^/    /'
    STATUS=1
fi
if [[ -n ${PYKMIP_SUITE_OUT:-} ]]; then cp "$WORK/pytest.out" "$PYKMIP_SUITE_OUT"; fi
UNEXPECTED_N=$(echo -n "$UNEXPECTED" | grep -c . || true)
summary "$PASSED" "$UNEXPECTED_N" "$XFAIL"
exit "$STATUS"
