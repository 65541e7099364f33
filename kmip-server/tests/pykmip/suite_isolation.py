"""pytest plugin for scripts/test-pykmip-suite.sh: every test of PyKMIP's
integration suite starts against an empty keybridge partition.

The suite assumes an empty server and its ProxyKmipClient tests end by
locating every object and destroying it; one test that fails half-way
leaves an Active key behind, which (as on PyKMIP's own server) cannot be
destroyed, so every later tear-down would fail too. Before each test this
plugin revokes and destroys whatever the previous tests left, so each
result says something about that test alone. It changes no test.
"""

import pytest
from kmip import enums
from kmip.pie import client as pclient


@pytest.fixture(autouse=True)
def empty_keybridge_partition(request):
    config = request.config.getoption("--config")
    c = pclient.ProxyKmipClient(config=config)
    c.open()
    try:
        for uid in c.locate():
            try:
                c.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
            except Exception:
                pass  # not Active: nothing to revoke
            try:
                c.destroy(uid)
            except Exception:
                pass
    finally:
        c.close()
    yield
