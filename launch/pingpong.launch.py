# ros2 launch rmw_hazcat_rs pingpong.launch.py [rmw:=rmw_cyclonedds_cpp]
# rclcpp ping-pong round-trip latency, 64 B to 64 MiB, plain and non-plain messages. Pass rmw:=
# to run the same benchmark over another RMW for comparison (HAZCAT_CONFIG is then unused).
import os
import sys

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hazcat_env import hazcat_env  # noqa: E402


def generate_launch_description():
    rmw = LaunchConfiguration('rmw')
    return LaunchDescription([
        DeclareLaunchArgument('rmw', default_value='rmw_hazcat_rs'),
        DeclareLaunchArgument('iterations', default_value='1000'),
    ] + hazcat_env('pingpong.yaml') + [
        SetEnvironmentVariable('RMW_IMPLEMENTATION', rmw),
        Node(package='rmw_hazcat_demos', executable='pingpong', name='pong',
             arguments=['pong'], output='screen'),
        Node(package='rmw_hazcat_demos', executable='pingpong', name='ping',
             arguments=['ping', '--iterations', LaunchConfiguration('iterations')],
             output='screen'),
    ])
