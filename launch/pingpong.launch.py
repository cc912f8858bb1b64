# ros2 launch rmw_hazcat_rs pingpong.launch.py [rmw:=rmw_hazcat_rs,rmw_cyclonedds_cpp]
#     [mode:=default,callback,loaned] [rounds:=3] [iterations:=1000]
#     [sizes:=64,4K,64K,1M,16M,64M] [kinds:=plain,bytes] [out:=pingpong_results]
# rclcpp ping-pong round-trip latency (rmw_hazcat_demos' `pingpong`), 64 B to 64 MiB, plain and
# non-plain messages, under each RMW of the list: the runner (pingpong_table.py) starts pong and
# ping for every RMW, mode and round, prints one table comparing the RMWs and writes its files
# into out:=. The runner sets RMW_IMPLEMENTATION for each process itself; HAZCAT_CONFIG
# (config/pingpong.yaml) gives hazcat pools large enough for 64 MiB messages.
import os
import sys

from ament_index_python.packages import get_package_prefix, PackageNotFoundError
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, OpaqueFunction
from launch.substitutions import LaunchConfiguration

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hazcat_env import hazcat_env  # noqa: E402

ARGUMENTS = (
    ('rmw', 'rmw_hazcat_rs,rmw_fastrtps_cpp', 'RMW implementations to compare, comma-separated'),
    ('mode', 'default,callback,loaned',
     'pingpong modes, comma-separated: default (WaitSet, take), callback, loaned'),
    ('rounds', '3', 'rounds over all RMWs and modes'),
    ('iterations', '1000', 'measured round trips per case under 16 MiB (N/10+1 from 16 MiB on)'),
    ('sizes', '64,4K,64K,1M,16M,64M', 'message sizes, comma-separated, suffix K or M'),
    ('kinds', 'plain,bytes', 'plain (fixed-size, loanable) and/or bytes (uint8[], serialized)'),
    ('out', 'pingpong_results', 'directory for the runner\'s files (table, raw results)'),
)


def _list(value):
    """A comma-separated list as given, without spaces or empty items."""
    return ','.join(item.strip() for item in value.split(',') if item.strip())


def runner_command(runner, exe, rmw, mode, rounds, iterations, sizes, kinds, out):
    """The runner's command line (the options of benchmarks/ros/pingpong_table.py)."""
    return [sys.executable, runner, '--exe', exe, '--rmw', _list(rmw), '--modes', _list(mode),
            '--rounds', rounds.strip(), '--iterations', iterations.strip(),
            '--sizes', _list(sizes), '--kinds', _list(kinds), '--out', out.strip()]


def _start_runner(context):
    values = {name: LaunchConfiguration(name).perform(context) for name, _, _ in ARGUMENTS}
    runner = os.path.join(
        get_package_prefix('rmw_hazcat_rs'), 'lib', 'rmw_hazcat_rs', 'pingpong_table.py')
    try:
        demos = get_package_prefix('rmw_hazcat_demos')
    except PackageNotFoundError as exc:
        raise RuntimeError(
            'pingpong.launch.py needs the rmw_hazcat_demos package (its `pingpong`, which needs '
            'rclcpp): build it with colcon and source the install') from exc
    exe = os.path.join(demos, 'lib', 'rmw_hazcat_demos', 'pingpong')
    return [ExecuteProcess(cmd=runner_command(runner, exe, **values), name='pingpong_table',
                           output='screen')]


def generate_launch_description():
    return LaunchDescription(
        [DeclareLaunchArgument(name, default_value=default, description=description)
         for name, default, description in ARGUMENTS]
        + hazcat_env('pingpong.yaml')
        + [OpaqueFunction(function=_start_runner)])
