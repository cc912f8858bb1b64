"""launch/pingpong.launch.py: the runner command it builds for several combinations of arguments,
through the launch API it uses (`launch` is not on PyPI for Jazzy, so minimal stand-ins of the few
classes it uses record what the file builds, and a stand-in ament_index_python places the two
packages). The command must match the runner's command line (benchmarks/ros/pingpong_table.py):
    pingpong_table.py --exe PATH --rmw LIST --modes LIST --rounds N --iterations N --sizes LIST
                      --kinds LIST --out DIR
No ROS process runs."""

import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAUNCH_FILE = REPO / 'launch' / 'pingpong.launch.py'
RUNNER_SOURCE = REPO / 'benchmarks' / 'ros' / 'pingpong_table.py'
PREFIXES = {'rmw_hazcat_rs': '/opt/hazcat', 'rmw_hazcat_demos': '/opt/demos'}
RUNNER = '/opt/hazcat/lib/rmw_hazcat_rs/pingpong_table.py'
EXE = '/opt/demos/lib/rmw_hazcat_demos/pingpong'
RUNNER_OPTIONS = ['--exe', '--rmw', '--modes', '--rounds', '--iterations', '--sizes', '--kinds',
                  '--out']
# Fast DDS: ROS's default RMW, present in every installation.
DEFAULT_RMWS = 'rmw_hazcat_rs,rmw_fastrtps_cpp'


class _Recorded:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class _LaunchConfiguration(_Recorded):
    def perform(self, context):
        return context.launch_configurations[self.args[0]]


class _PackageNotFoundError(KeyError):
    pass


def _get_package_prefix(name):
    if name not in PREFIXES:
        raise _PackageNotFoundError(name)
    return PREFIXES[name]


@pytest.fixture
def launch_file(monkeypatch):
    """The launch file, loaded with stand-ins for launch, launch.actions, launch.substitutions and
    ament_index_python.packages."""
    launch = types.ModuleType('launch')
    launch.LaunchDescription = type('LaunchDescription', (_Recorded,), {})
    actions = types.ModuleType('launch.actions')
    for name in ('DeclareLaunchArgument', 'ExecuteProcess', 'OpaqueFunction',
                 'SetEnvironmentVariable'):
        setattr(actions, name, type(name, (_Recorded,), {}))
    subs = types.ModuleType('launch.substitutions')
    subs.LaunchConfiguration = _LaunchConfiguration
    ament = types.ModuleType('ament_index_python')
    packages = types.ModuleType('ament_index_python.packages')
    packages.PackageNotFoundError = _PackageNotFoundError
    packages.get_package_prefix = _get_package_prefix
    packages.get_package_share_directory = (
        lambda name: f'{_get_package_prefix(name)}/share/{name}')
    ament.packages = packages
    for name, mod in (('launch', launch), ('launch.actions', actions),
                      ('launch.substitutions', subs), ('ament_index_python', ament),
                      ('ament_index_python.packages', packages)):
        monkeypatch.setitem(sys.modules, name, mod)
    # The launch file imports _hazcat_env from its own directory (put first on sys.path): both
    # are undone after the test, so the helper is always imported with these stand-ins.
    monkeypatch.delitem(sys.modules, '_hazcat_env', raising=False)
    monkeypatch.setattr(sys, 'path', list(sys.path))
    spec = importlib.util.spec_from_file_location('pingpong_launch', LAUNCH_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop('_hazcat_env', None)


def entities_of(module):
    return module.generate_launch_description().args[0]


def declared(module):
    return {e.args[0]: e.kwargs['default_value'] for e in entities_of(module)
            if type(e).__name__ == 'DeclareLaunchArgument'}


def run_description(module, **given):
    """The ExecuteProcess the description starts, with the arguments `given` (others default)."""
    entities = entities_of(module)
    defaults = declared(module)
    assert set(given) <= set(defaults), f'undeclared arguments: {set(given) - set(defaults)}'
    context = types.SimpleNamespace(launch_configurations={**defaults, **given})
    (opaque,) = [e for e in entities if type(e).__name__ == 'OpaqueFunction']
    (process,) = opaque.kwargs['function'](context)
    assert type(process).__name__ == 'ExecuteProcess'
    assert process.kwargs.get('output') == 'screen'
    return process.kwargs['cmd']


def expected(rmw=DEFAULT_RMWS, modes='default,callback,loaned', rounds='3', iterations='1000',
             sizes='64,4K,64K,1M,16M,64M', kinds='plain,bytes', out='pingpong_results'):
    return [sys.executable, RUNNER, '--exe', EXE, '--rmw', rmw, '--modes', modes,
            '--rounds', rounds, '--iterations', iterations, '--sizes', sizes, '--kinds', kinds,
            '--out', out]


def test_defaults(launch_file):
    assert declared(launch_file) == {
        'rmw': DEFAULT_RMWS, 'mode': 'default,callback,loaned', 'rounds': '3',
        'iterations': '1000', 'sizes': '64,4K,64K,1M,16M,64M', 'kinds': 'plain,bytes',
        'out': 'pingpong_results'}
    assert run_description(launch_file) == expected()


def test_three_rmws(launch_file):
    rmws = 'rmw_hazcat_rs,rmw_cyclonedds_cpp,rmw_fastrtps_cpp'
    assert run_description(launch_file, rmw=rmws, mode='loaned', rounds='5') == expected(
        rmw=rmws, modes='loaned', rounds='5')


def test_custom_out_sizes_and_lists_with_spaces(launch_file):
    assert run_description(
        launch_file, rmw=' rmw_hazcat_rs , rmw_cyclonedds_cpp ,', sizes='64, 1M',
        kinds='bytes', iterations='100', out='/tmp/pp results',
    ) == expected(rmw='rmw_hazcat_rs,rmw_cyclonedds_cpp', sizes='64,1M', kinds='bytes',
                  iterations='100', out='/tmp/pp results')


def test_option_names_are_the_runners(launch_file):
    cmd = run_description(launch_file)
    assert cmd[:2] == [sys.executable, RUNNER]
    # Options and values alternate: every option is followed by its value.
    assert cmd[2::2] == RUNNER_OPTIONS
    assert not any(value.startswith('--') for value in cmd[3::2])


def test_runner_source_declares_these_options():
    """Against the runner itself, where this checkout has it."""
    if not RUNNER_SOURCE.is_file():
        pytest.skip(f'{RUNNER_SOURCE.relative_to(REPO)} is not in this checkout')
    source = RUNNER_SOURCE.read_text()
    missing = [o for o in RUNNER_OPTIONS if not re.search(rf"""['"]{o}['"]""", source)]
    assert not missing, f'{RUNNER_SOURCE.name} has no option {missing}'


def test_environment(launch_file):
    """HAZCAT_CONFIG sizes hazcat's pools for 64 MiB; RMW_IMPLEMENTATION, whatever the launch sets,
    is the runner's to choose per process (--rmw), so the process gets no environment of its own."""
    env = {e.args[0]: e.args[1] for e in entities_of(launch_file)
           if type(e).__name__ == 'SetEnvironmentVariable'}
    assert env['HAZCAT_CONFIG'] == '/opt/hazcat/share/rmw_hazcat_rs/config/pingpong.yaml'
    defaults = declared(launch_file)
    context = types.SimpleNamespace(launch_configurations=defaults)
    (opaque,) = [e for e in entities_of(launch_file) if type(e).__name__ == 'OpaqueFunction']
    (process,) = opaque.kwargs['function'](context)
    assert not {'env', 'additional_env'} & set(process.kwargs)


def test_header_names_every_argument(launch_file):
    header = []
    for line in LAUNCH_FILE.read_text().splitlines():
        if not line.startswith('#'):
            break
        header.append(line)
    header = '\n'.join(header)
    assert header.startswith('# ros2 launch rmw_hazcat_rs pingpong.launch.py')
    missing = [name for name in declared(launch_file) if f'[{name}:=' not in header]
    assert not missing, f'arguments missing from the usage lines: {missing}'


def test_without_the_demos_package(launch_file, monkeypatch):
    monkeypatch.delitem(PREFIXES, 'rmw_hazcat_demos')
    with pytest.raises(RuntimeError, match='rmw_hazcat_demos'):
        run_description(launch_file)
