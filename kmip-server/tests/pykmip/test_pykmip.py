"""PyKMIP as a real KMIP client of keybridge over mutual TLS.

Run by scripts/test-kmip.sh with the server's address and the client
certificate in the environment (KMIP_HOST, KMIP_PORT, KMIP_CERT, KMIP_KEY,
KMIP_CA). Each check runs in KMIP 1.2 and in KMIP 2.0; the last line is
`kmip-pykmip: N passed, M failed`.
"""

import hashlib
import hmac
import os
import ssl
import sys
import time
import traceback

if not hasattr(ssl, "wrap_socket"):
    # PyKMIP 0.10 connects with ssl.wrap_socket, which Python 3.12 removed.
    # This stand-in keeps its behaviour (no host name check; the CA is checked).
    def _wrap_socket(sock, keyfile=None, certfile=None, server_side=False,
                     cert_reqs=ssl.CERT_NONE, ssl_version=None, ca_certs=None,
                     do_handshake_on_connect=True, suppress_ragged_eofs=True,
                     ciphers=None):
        ctx = ssl.SSLContext(
            ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT
        )
        ctx.check_hostname = False
        ctx.verify_mode = cert_reqs
        if ca_certs:
            ctx.load_verify_locations(ca_certs)
        if certfile:
            ctx.load_cert_chain(certfile, keyfile)
        if ciphers:
            ctx.set_ciphers(ciphers)
        return ctx.wrap_socket(
            sock,
            server_side=server_side,
            do_handshake_on_connect=do_handshake_on_connect,
            suppress_ragged_eofs=suppress_ragged_eofs,
        )

    ssl.wrap_socket = _wrap_socket

from kmip import enums
from kmip.core.factories import attributes as attribute_factory
from kmip.pie import objects
from kmip.pie.client import ProxyKmipClient

RESULTS = []


def client(version):
    return ProxyKmipClient(
        hostname=os.environ["KMIP_HOST"],
        port=int(os.environ["KMIP_PORT"]),
        cert=os.environ["KMIP_CERT"],
        key=os.environ["KMIP_KEY"],
        ca=os.environ["KMIP_CA"],
        config_file="/dev/null",
        kmip_version=version,
    )


def check(name, version, fn):
    label = "%s [%s]" % (name, version.name)
    try:
        with client(version) as c:
            fn(c, "%s-%s-%d" % (name, version.name, int(time.time() * 1000)))
        RESULTS.append(True)
        print("PASS " + label)
    except Exception:  # noqa: BLE001 - every failure is reported, none stops the run
        RESULTS.append(False)
        print("FAIL " + label)
        traceback.print_exc(file=sys.stdout)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def create_get_attributes(c, tag):
    uid = c.create(
        enums.CryptographicAlgorithm.AES,
        256,
        name=tag,
        cryptographic_usage_mask=[
            enums.CryptographicUsageMask.ENCRYPT,
            enums.CryptographicUsageMask.DECRYPT,
        ],
    )
    key = c.get(uid)
    expect(isinstance(key, objects.SymmetricKey), "Get returns a symmetric key")
    expect(len(key.value) == 32, "256-bit key")
    uid2, attrs = c.get_attributes(
        uid, ["Cryptographic Algorithm", "Cryptographic Length", "State", "Name"]
    )
    expect(uid2 == uid, "same unique identifier")
    by_name = {a.attribute_name.value: a.attribute_value for a in attrs}
    expect(
        by_name["Cryptographic Algorithm"].value == enums.CryptographicAlgorithm.AES,
        "algorithm AES",
    )
    expect(by_name["Cryptographic Length"].value == 256, "length 256")
    expect(by_name["State"].value == enums.State.PRE_ACTIVE, "pre-active")


def register_symmetric_key(c, tag):
    material = bytes(range(16))
    key = objects.SymmetricKey(
        enums.CryptographicAlgorithm.AES,
        128,
        material,
        masks=[enums.CryptographicUsageMask.ENCRYPT],
        name=tag,
    )
    uid = c.register(key)
    got = c.get(uid)
    expect(got.value == material, "registered key material comes back")


def register_secret_data(c, tag):
    secret = objects.SecretData(
        b"correct horse battery staple", enums.SecretDataType.PASSWORD, name=tag
    )
    uid = c.register(secret)
    got = c.get(uid)
    expect(isinstance(got, objects.SecretData), "Get returns secret data")
    expect(got.value == b"correct horse battery staple", "secret comes back")


def locate_by_name(c, tag):
    uid = c.create(enums.CryptographicAlgorithm.AES, 128, name=tag)
    c.create(enums.CryptographicAlgorithm.AES, 128, name=tag + "-other")
    name = attribute_factory.AttributeFactory().create_attribute(
        enums.AttributeType.NAME, tag
    )
    found = c.locate(attributes=[name])
    expect(found == [uid], "Locate by name finds exactly the key: %r" % (found,))


def lifecycle(c, tag):
    uid = c.create(enums.CryptographicAlgorithm.AES, 256, name=tag)
    c.activate(uid)
    _, attrs = c.get_attributes(uid, ["State"])
    expect(attrs[0].attribute_value.value == enums.State.ACTIVE, "active")
    try:
        c.destroy(uid)
        raise AssertionError("an active key must not be destroyed")
    except AssertionError:
        raise
    except Exception:  # noqa: BLE001 - the refusal is what is tested
        pass
    c.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
    _, attrs = c.get_attributes(uid, ["State"])
    expect(attrs[0].attribute_value.value == enums.State.DEACTIVATED, "deactivated")
    c.destroy(uid)
    _, attrs = c.get_attributes(uid, ["State"])
    expect(attrs[0].attribute_value.value == enums.State.DESTROYED, "destroyed")


def create_key_pair(c, tag):
    public_uid, private_uid = c.create_key_pair(
        enums.CryptographicAlgorithm.RSA,
        2048,
        public_name=tag + "-public",
        public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
        private_name=tag + "-private",
        private_usage_mask=[enums.CryptographicUsageMask.SIGN],
    )
    public = c.get(public_uid)
    private = c.get(private_uid)
    expect(isinstance(public, objects.PublicKey), "public key")
    expect(isinstance(private, objects.PrivateKey), "private key")
    expect(public.cryptographic_length == 2048, "2048-bit")


def encrypt_decrypt(c, tag):
    uid = c.create(
        enums.CryptographicAlgorithm.AES,
        256,
        name=tag,
        cryptographic_usage_mask=[
            enums.CryptographicUsageMask.ENCRYPT,
            enums.CryptographicUsageMask.DECRYPT,
        ],
    )
    c.activate(uid)
    params = {
        "cryptographic_algorithm": enums.CryptographicAlgorithm.AES,
        "block_cipher_mode": enums.BlockCipherMode.CBC,
        "padding_method": enums.PaddingMethod.PKCS5,
    }
    message = b"PyKMIP through keybridge, not a multiple of 16"
    ciphertext, iv = c.encrypt(message, uid=uid, cryptographic_parameters=params)
    expect(iv is not None and len(iv) == 16, "the server chose and returned an IV")
    expect(len(ciphertext) == 48, "PKCS5-padded to whole blocks")
    plain = c.decrypt(
        ciphertext, uid=uid, cryptographic_parameters=params, iv_counter_nonce=iv
    )
    expect(plain == message, "Decrypt gives the message back")


def sign_verify(c, tag):
    public_uid, private_uid = c.create_key_pair(
        enums.CryptographicAlgorithm.RSA,
        2048,
        public_name=tag + "-public",
        public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
        private_name=tag + "-private",
        private_usage_mask=[enums.CryptographicUsageMask.SIGN],
    )
    c.activate(public_uid)
    c.activate(private_uid)
    params = {
        "cryptographic_algorithm": enums.CryptographicAlgorithm.RSA,
        "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
        "padding_method": enums.PaddingMethod.PSS,
    }
    signature = c.sign(b"signed by PyKMIP", uid=private_uid, cryptographic_parameters=params)
    expect(len(signature) == 256, "a 2048-bit RSA signature")
    valid = c.signature_verify(
        b"signed by PyKMIP", signature, uid=public_uid, cryptographic_parameters=params
    )
    expect(valid == enums.ValidityIndicator.VALID, "the signature verifies")
    invalid = c.signature_verify(
        b"tampered", signature, uid=public_uid, cryptographic_parameters=params
    )
    expect(invalid == enums.ValidityIndicator.INVALID, "another message does not")


def mac(c, tag):
    uid = c.create(
        enums.CryptographicAlgorithm.HMAC_SHA256,
        256,
        name=tag,
        cryptographic_usage_mask=[enums.CryptographicUsageMask.MAC_GENERATE],
    )
    c.activate(uid)
    key = c.get(uid).value
    _, tag_bytes = c.mac(
        b"abc", uid=uid, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256
    )
    expect(
        tag_bytes == hmac.new(key, b"abc", hashlib.sha256).digest(),
        "the MAC is HMAC-SHA256 of the data under the key",
    )


CHECKS = [
    ("create-get-attributes", create_get_attributes),
    ("register-symmetric-key", register_symmetric_key),
    ("register-secret-data", register_secret_data),
    ("locate-by-name", locate_by_name),
    ("activate-revoke-destroy", lifecycle),
    ("create-key-pair", create_key_pair),
    ("encrypt-decrypt", encrypt_decrypt),
    ("sign-verify", sign_verify),
    ("mac", mac),
]


def main():
    for version in (enums.KMIPVersion.KMIP_1_2, enums.KMIPVersion.KMIP_2_0):
        for name, fn in CHECKS:
            check(name, version, fn)
    passed = sum(RESULTS)
    print("kmip-pykmip: %d passed, %d failed" % (passed, len(RESULTS) - passed))
    return 0 if passed == len(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
