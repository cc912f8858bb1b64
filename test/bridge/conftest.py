"""Fixtures of the bridge tests: two or three network-namespace hosts, each with a private
shared-memory directory, torn down (processes killed, namespaces deleted) whatever the test did.
Run through scripts/bridge_check.sh."""

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / 'rclpy'))  # payloads.py, shared with the rclpy suite

from hosts import DOMAIN, Host, Net  # noqa: E402

REPO = HERE.parents[1]
RMW_LIB = os.environ.get('HAZCAT_RMW_LIB', str(REPO / 'target/debug/librmw_hazcat_rs.so'))
BRIDGE_BIN = os.environ.get('HAZCAT_BRIDGE_BIN', str(REPO / 'target/debug/hazcat-bridge'))
# `hazcat`, which runs the `hazcat-bridge` next to it for `hazcat bridge`.
CLI_BIN = os.environ.get('HAZCAT_CLI_BIN', str(REPO / 'target/debug/hazcat'))


def pytest_configure(config):
    for what, path in (('HAZCAT_RMW_LIB', RMW_LIB), ('HAZCAT_BRIDGE_BIN', BRIDGE_BIN),
                       ('HAZCAT_CLI_BIN', CLI_BIN)):
        if not os.path.isfile(path):
            pytest.exit(f'{what}={path} is not a file: build it first (see '
                        'scripts/bridge_check.sh)', returncode=4)


def make_hosts(sides, tmp_path):
    """Namespaces for `sides` (see hosts.Net) and one Host each; on exit every process still
    running is killed and the namespaces are deleted, whatever the test did."""
    base = {k: v for k, v in os.environ.items() if k not in ('LD_PRELOAD', 'RMW_IMPLEMENTATION')}
    # The bridge resolves type supports from the ament prefix: this venv.
    base.setdefault('AMENT_PREFIX_PATH', sys.prefix)
    net = Net(sides)
    made = []
    try:
        made.extend(Host(net, side, tmp_path, base, RMW_LIB, BRIDGE_BIN, CLI_BIN, DOMAIN)
                    for side in sides)
        yield made
    finally:
        for h in made:
            for p in h.procs:
                if p.proc.poll() is None:
                    p.proc.kill()
                    p.proc.wait()
        net.close()


@pytest.fixture
def hosts(tmp_path):
    """(host A at 10.77.0.1, host B at 10.77.0.2)."""
    yield from make_hosts('ab', tmp_path)


@pytest.fixture
def hosts3(tmp_path):
    """(host A at 10.77.0.1, B at 10.77.0.2, C at 10.77.0.3), all on one switch."""
    yield from make_hosts('abc', tmp_path)
