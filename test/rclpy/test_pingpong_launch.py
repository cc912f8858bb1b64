"""launch/pingpong.launch.py: the runner command it builds for several combinations of arguments,
through the launch API it uses (`launch` is not on PyPI for Jazzy, so minimal stand-ins of the few
classes it uses record what the file builds, and a stand-in ament_index_python places the two
packages). The command must match the runner's command line (benchmarks/ros/pingpong_table.py):
    pingpong_table.py --exe PATH --rmw LIST --modes LIST --rounds N --iterations N --sizes LIST
                      --kinds LIST --out DIR
No ROS process runs."""

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'test'))
from launch_standins import declared, entities_of, load_launch_file, started_process  # noqa: E402
LAUNCH_FILE = REPO / 'launch' / 'pingpong.launch.py'
RUNNER_SOURCE = REPO / 'benchmarks' / 'ros' / 'pingpong_table.py'
PREFIXES = {'rmw_hazcat_rs': '/opt/hazcat', 'rmw_hazcat_demos': '/opt/demos'}
RUNNER = '/opt/hazcat/lib/rmw_hazcat_rs/pingpong_table.py'
EXE = '/opt/demos/lib/rmw_hazcat_demos/pingpong'
RUNNER_OPTIONS = ['--exe', '--rmw', '--modes', '--rounds', '--iterations', '--sizes', '--kinds',
                  '--out']
# Fast DDS: ROS's default RMW, present in every installation.
DEFAULT_RMWS = 'rmw_hazcat_rs,rmw_fastrtps_cpp'


@pytest.fixture
def launch_file(monkeypatch):
    yield load_launch_file(monkeypatch, LAUNCH_FILE, PREFIXES)
    sys.modules.pop('_hazcat_env', None)


def run_description(module, **given):
    """The runner command the description starts, with the arguments `given`."""
    process = started_process(module, **given)
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
    process = started_process(launch_file)
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
