# Sourced by the KMIP client scripts: makes throwaway certificates and a
# configuration for `keybridge serve` in a directory, and starts/stops the
# server on a free loopback port. Needs openssl.
#
#   kmip_certs DIR        CA, server (localhost / 127.0.0.1) and client (CN $2,
#                         default pykmip-test) certificates; DIR/keybridge.toml
#   start_server CONF     runs `keybridge serve` in the background: SERVER_PID,
#                         PORT (empty if it exited instead of listening)
#   refused_start CONF    for a start that must fail: runs it in the foreground
#                         to its end (at most 60 s); PORT set if it listened
#   stop_server

kmip_certs() {
    local dir=$1 cn=${2:-pykmip-test}
    (
        cd "$dir"
        local ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
        openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 \
            -subj "/CN=keybridge test CA" 2>/dev/null
        openssl req $ec -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
            -out server.crt -days 2 -extfile server.ext 2>/dev/null
        openssl req $ec -keyout client.key -out client.csr -subj "/CN=$cn" 2>/dev/null
        printf 'extendedKeyUsage=clientAuth\n' > client.ext
        openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
            -out client.crt -days 2 -extfile client.ext 2>/dev/null
        chmod 600 ./*.key
        cat > keybridge.toml <<CONF
[store]
path = "$dir/store.db"

[master_key]
source = "file"
file = "$dir/master.key"

[kmip]
listen = "127.0.0.1:0"
cert = "$dir/server.crt"
key = "$dir/server.key"
client_ca = "$dir/ca.crt"
CONF
    )
}

start_server() {
    KEYBRIDGE_CONF=$1 "$BIN" serve > "$WORK/server.out" 2> "$WORK/server.err" &
    SERVER_PID=$!
    PORT=
    # Up to 30 s: the start derives keys and may share a loaded machine.
    for _ in $(seq 1 300); do
        PORT=$(sed -n 's/^keybridge: KMIP server listening on .*:\([0-9]*\)$/\1/p' "$WORK/server.out")
        [[ -n $PORT ]] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
}

refused_start() {
    KEYBRIDGE_CONF=$1 timeout 60 "$BIN" serve > "$WORK/server.out" 2> "$WORK/server.err" || true
    PORT=$(sed -n 's/^keybridge: KMIP server listening on .*:\([0-9]*\)$/\1/p' "$WORK/server.out")
}

stop_server() {
    if [[ -n ${SERVER_PID:-} ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
