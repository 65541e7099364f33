"""The KMIP half of the cross-protocol test (scripts/test-kmip.sh).

  cross.py create NAME   creates an AES-256 key named NAME, prints "UID HEX-VALUE"
  cross.py locate NAME   prints the unique identifiers of the objects named NAME

Connection settings come from the same environment as test_pykmip.py.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_pykmip import client  # noqa: E402 - also installs the ssl shim

from kmip import enums  # noqa: E402
from kmip.core.factories import attributes as attribute_factory  # noqa: E402


def main(argv):
    if len(argv) != 3 or argv[1] not in ("create", "locate"):
        print(__doc__, file=sys.stderr)
        return 2
    command, name = argv[1], argv[2]
    with client(enums.KMIPVersion.KMIP_1_2) as c:
        if command == "create":
            uid = c.create(enums.CryptographicAlgorithm.AES, 256, name=name)
            print(uid, c.get(uid).value.hex())
        else:
            attr = attribute_factory.AttributeFactory().create_attribute(
                enums.AttributeType.NAME, name
            )
            print(" ".join(c.locate(attributes=[attr])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
