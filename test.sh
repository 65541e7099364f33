#!/usr/bin/env bash
# Runs every keybridge test. On a fresh Debian machine with Rust it first
# installs what the build and the tests need, then builds once (release
# profile, reused by every test) and runs the whole suite: the Rust tests,
# then the real clients (PyKMIP over mutual TLS; pkcs11-tool, a C program,
# OpenSSL, OpenSSH, GnuTLS and the cryptoki crate's own suite against the
# PKCS#11 module).
set -euo pipefail
cd "$(dirname "$0")"

# System packages: OpenSSL headers for the openssl crate; SoftHSM2 for the
# HSM-held master key tests; Python venv and the openssl tool for PyKMIP;
# pkcs11-tool (opensc), p11-kit, a C compiler, OpenSSH, OpenSSL's PKCS#11
# engine (libp11) and GnuTLS's p11tool for the PKCS#11 module's real clients;
# valgrind for the memory check of the module.
packages=(pkg-config libssl-dev softhsm2 python3-venv openssl opensc p11-kit gcc libc6-dev
          openssh-server openssh-client libengine-pkcs11-openssl gnutls-bin valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== format"
cargo fmt --all -- --check

echo "== lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== build (release)"
cargo build --workspace --release --locked

echo "== test"
cargo test --workspace --release --locked

echo "== KMIP: PyKMIP client"
scripts/test-kmip.sh

echo "== KMIP: PyKMIP's own integration suite"
scripts/test-pykmip-suite.sh

echo "== PKCS#11: pkcs11-tool, C header, cryptoki suite"
scripts/test-pkcs11.sh

echo "== PKCS#11: the module's tests under valgrind"
scripts/test-memcheck.sh
