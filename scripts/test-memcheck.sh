#!/usr/bin/env bash
# The PKCS#11 module's Rust integration tests (pkcs11-module/tests/*.rs:
# each test binary dlopens the real libkeybridge_pkcs11.so and drives it
# through the C ABI) run once under valgrind memcheck. Any invalid read or
# write, use of uninitialised memory, bad free or overlapping copy in the
# module, the key store or OpenSSL/SQLite as the module uses them fails the
# run (--error-exitcode). Leaks are not checked: the module keeps its state
# for the life of the process by design (C_Finalize aside), and the test
# hosts exit with live threads.
#
# Suppressions: scripts/memcheck.supp, each entry with its reason.
#
# OpenSSL's GHASH in PCLMULQDQ assembly (AES-GCM) is switched off under
# valgrind (OPENSSL_ia32cap below; OpenSSL then uses its table-driven GHASH).
# valgrind 3.19's memcheck does not track definedness through that code
# precisely: it reports the GCM tag as uninitialised ("Conditional jump ...
# depends on uninitialised value(s)" in EVP_DecryptFinal_ex, and in the test
# host comparing the ciphertext), although the tag equals the SP 800-38D
# vector the test checks, and the same test is clean with the other GHASH.
# A suppression cannot hide this: the "uninitialised" tag reaches the
# caller's buffer and every later use of it would need its own entry.
# Usage: scripts/test-memcheck.sh [test-file ...]  (default: the set below)
# Prints `memcheck: N passed, M failed` last (N, M count test binaries).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v valgrind >/dev/null; then
    echo "== installing valgrind"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends valgrind
fi

# Every test file of the module but the slow ones; see the note below.
DEFAULT_TESTS=(raw raw_bad_input raw_mechanisms objects tokens crypto kdf pbkdf2
               operation_state unwrap_private asymmetric otp otp_policy)
if [ $# -gt 0 ]; then TESTS=("$@"); else TESTS=("${DEFAULT_TESTS[@]}"); fi

# Build the test binaries (and the cdylib beside them) and learn their paths.
args=()
for t in "${TESTS[@]}"; do args+=(--test "$t"); done
mapfile -t BINS < <(cargo test -p pkcs11-module --release --locked --no-run \
    --message-format=json "${args[@]}" 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["test"]:
        print(m["target"]["name"] + " " + m["executable"])')

LOGS="$(mktemp -d /tmp/kb-memcheck.XXXXXX)"
passed=0
failed=0
start=$(date +%s)
for entry in "${BINS[@]}"; do
    name="${entry%% *}"
    bin="${entry#* }"
    t0=$(date +%s)
    if OPENSSL_ia32cap="~0x200000000" valgrind --tool=memcheck --error-exitcode=99 --leak-check=no \
        --track-origins=no --num-callers=30 \
        --suppressions="$ROOT/scripts/memcheck.supp" \
        --log-file="$LOGS/$name.valgrind.log" \
        "$bin" --test-threads=1 -q >"$LOGS/$name.out" 2>&1; then
        passed=$((passed + 1))
        echo "memcheck: $name ok ($(( $(date +%s) - t0 ))s)"
    else
        failed=$((failed + 1))
        echo "memcheck: $name FAILED ($(( $(date +%s) - t0 ))s); valgrind log:"
        grep -E "^==[0-9]+== (Invalid|Conditional|Use of|Mismatched|Source and|Syscall|.*uninitialised|ERROR SUMMARY)" \
            "$LOGS/$name.valgrind.log" | head -20 || true
        tail -5 "$LOGS/$name.out" || true
    fi
done
echo "memcheck: logs in $LOGS; $(( $(date +%s) - start ))s in all"
echo "memcheck: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
