"""launch/bridge.launch.py: the command it runs for each combination of arguments, through the
launch API it uses (`launch` itself is not on PyPI for Jazzy, so minimal stand-ins of the few
classes it uses record what the file builds); and the command it builds really starts
`hazcat bridge` (here: stops it on a broken configuration file, naming the file)."""

import importlib.util
import subprocess
import sys
import types
from pathlib import Path

import pytest

from conftest import CLI_BIN
from hosts import TIMEOUT

LAUNCH_FILE = Path(__file__).resolve().parents[2] / 'launch' / 'bridge.launch.py'


class _Recorded:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class _LaunchConfiguration(_Recorded):
    def perform(self, context):
        return context.launch_configurations[self.args[0]]


@pytest.fixture
def launch_file(monkeypatch):
    """The launch file, loaded with stand-ins for launch, launch.actions, launch.substitutions."""
    launch = types.ModuleType('launch')
    launch.LaunchDescription = type('LaunchDescription', (_Recorded,), {})
    actions = types.ModuleType('launch.actions')
    for name in ('DeclareLaunchArgument', 'ExecuteProcess', 'OpaqueFunction'):
        setattr(actions, name, type(name, (_Recorded,), {}))
    subs = types.ModuleType('launch.substitutions')
    subs.LaunchConfiguration = _LaunchConfiguration
    for name, mod in (('launch', launch), ('launch.actions', actions),
                      ('launch.substitutions', subs)):
        monkeypatch.setitem(sys.modules, name, mod)
    spec = importlib.util.spec_from_file_location('bridge_launch', LAUNCH_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_description(module, **given):
    """The ExecuteProcess the description starts, with the arguments `given` (others default)."""
    desc = module.generate_launch_description()
    entities = desc.args[0]
    declared = {e.args[0]: e.kwargs['default_value'] for e in entities
                if type(e).__name__ == 'DeclareLaunchArgument'}
    assert set(given) <= set(declared), f'undeclared arguments: {set(given) - set(declared)}'
    context = types.SimpleNamespace(launch_configurations={**declared, **given})
    (opaque,) = [e for e in entities if type(e).__name__ == 'OpaqueFunction']
    (process,) = opaque.kwargs['function'](context)
    assert type(process).__name__ == 'ExecuteProcess'
    return process.kwargs['cmd']


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
