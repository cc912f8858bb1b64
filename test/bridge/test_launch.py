"""launch/bridge.launch.py: the command it runs for each combination of arguments, through the
launch API it uses (`launch` itself is not on PyPI for Jazzy, so minimal stand-ins of the few
classes it uses record what the file builds); and the command it builds really starts
`hazcat bridge` (here: stops it on a broken configuration file, naming the file)."""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CLI_BIN
from hosts import TIMEOUT

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from launch_standins import load_launch_file, started_process  # noqa: E402

LAUNCH_FILE = Path(__file__).resolve().parents[2] / 'launch' / 'bridge.launch.py'


@pytest.fixture
def launch_file(monkeypatch):
    return load_launch_file(monkeypatch, LAUNCH_FILE)


def run_description(module, **given):
    """The command the description starts, with the arguments `given` (others default)."""
    return started_process(module, **given).kwargs['cmd']


def test_arguments_become_flags(launch_file):
    assert run_description(launch_file) == ['hazcat', 'bridge']
    assert run_description(
        launch_file, listen='tcp/0.0.0.0:7447', connect='tcp/10.0.0.2:7447, tcp/10.0.0.3:7447',
        config='/etc/bridge.yaml', zenoh_config='z.json5', domain='3', hazcat='/opt/hazcat',
    ) == ['/opt/hazcat', 'bridge', '--listen', 'tcp/0.0.0.0:7447',
          '--connect', 'tcp/10.0.0.2:7447', '--connect', 'tcp/10.0.0.3:7447',
          '--config', '/etc/bridge.yaml', '--zenoh-config', 'z.json5', '--domain', '3']


def test_the_command_runs_hazcat_bridge(launch_file, tmp_path):
    cfg = tmp_path / 'bridge.yaml'
    cfg.write_text('version: 1\nallow: [chatter]\n')
    cmd = run_description(launch_file, hazcat=CLI_BIN, config=str(cfg))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT,
                       env={'HAZCAT_SHM_DIR': str(tmp_path / 'shm'), 'PATH': '/usr/bin:/bin'})
    assert r.returncode != 0 and f'{cfg}:2: allow: pattern' in r.stderr, r
