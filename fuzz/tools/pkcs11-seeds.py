#!/usr/bin/env python3
"""Seed inputs for the pkcs11_template and pkcs11_mechanism fuzz targets.

Usage: fuzz/tools/pkcs11-seeds.py fuzz/corpus
Templates are attrs::encode_nested records (type u64 LE, length u64 LE,
value); mechanism inputs follow the layout in pkcs11_mechanism.rs.
"""
import os
import struct
import sys

CKA = dict(CLASS=0x0, TOKEN=0x1, PRIVATE=0x2, LABEL=0x3, APPLICATION=0x10, VALUE=0x11,
           KEY_TYPE=0x100, ID=0x102, SENSITIVE=0x103, ENCRYPT=0x104, DECRYPT=0x105,
           WRAP=0x106, UNWRAP=0x107, SIGN=0x108, VERIFY=0x10A, DERIVE=0x10C,
           START_DATE=0x110, END_DATE=0x111, MODULUS_BITS=0x121, VALUE_LEN=0x161,
           EXTRACTABLE=0x162, EC_PARAMS=0x180, EC_POINT=0x181, WRAP_TEMPLATE=0x40000211)
P256 = bytes.fromhex("06082a8648ce3d030107")


def ul(v):
    return struct.pack("<Q", v)


def tmpl(*attrs):
    out = b""
    for ty, value in attrs:
        out += struct.pack("<QQ", CKA[ty], len(value)) + value
    return out


T, F = b"\x01", b"\x00"
templates = {
    "aes-create": tmpl(("CLASS", ul(4)), ("KEY_TYPE", ul(0x1F)), ("VALUE", bytes(16)),
                       ("TOKEN", F), ("LABEL", b"k"), ("ENCRYPT", T)),
    "aes-generate": tmpl(("VALUE_LEN", ul(32)), ("ENCRYPT", T), ("EXTRACTABLE", T),
                         ("SENSITIVE", F), ("ID", b"\x01\x02")),
    "data": tmpl(("CLASS", ul(0)), ("VALUE", b"hello"), ("APPLICATION", b"app"),
                 ("PRIVATE", F)),
    "ec-public": tmpl(("CLASS", ul(2)), ("KEY_TYPE", ul(3)), ("EC_PARAMS", P256),
                      ("EC_POINT", b"\x04\x41\x04" + bytes(64)), ("VERIFY", T)),
    "ec-generate": tmpl(("EC_PARAMS", P256), ("SIGN", T), ("VERIFY", T), ("TOKEN", F)),
    "generic": tmpl(("CLASS", ul(4)), ("KEY_TYPE", ul(0x10)), ("VALUE_LEN", ul(64)),
                    ("DERIVE", T), ("SIGN", T)),
    "dates-nested": tmpl(("START_DATE", b"20240101"), ("END_DATE", b"20991231"),
                         ("WRAP_TEMPLATE", tmpl(("KEY_TYPE", ul(0x1F)), ("VALUE_LEN", ul(16)))),
                         ("LABEL", b"nested")),
}

MECH_COUNT = 41  # len(MECHS) in pkcs11_mechanism.rs


def main():
    base = sys.argv[1]
    t_dir = os.path.join(base, "pkcs11_template")
    m_dir = os.path.join(base, "pkcs11_mechanism")
    os.makedirs(t_dir, exist_ok=True)
    os.makedirs(m_dir, exist_ok=True)
    for name, data in templates.items():
        with open(os.path.join(t_dir, name), "wb") as f:
            f.write(data)
    n = 0
    for op in range(9):
        for sel in range(MECH_COUNT):
            for key in (0, 1, 2, 4):
                # param flag, then fields: a 12-byte string, an empty one,
                # 128 (a tag length / counter width / small integer), data.
                data = bytes([op, key, sel, 0, 12]) + bytes(range(12)) + b"\x00\x80" + b"data" * 4
                with open(os.path.join(m_dir, f"op{op}-m{sel}-k{key}"), "wb") as f:
                    f.write(data)
                n += 1
    print(f"{len(templates)} template seeds, {n} mechanism seeds")


main()
