# ros2 launch rmw_hazcat_rs talker_listener.launch.py
# C++ talker publishing loaned 8 MiB frames, a C++ listener and a Python listener on the same topic.
import os
import sys

from launch import LaunchDescription
from launch_ros.actions import Node

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hazcat_env import hazcat_env  # noqa: E402


def generate_launch_description():
    ns = 'hazcat_demo'
    return LaunchDescription(hazcat_env('talker_listener.yaml') + [
        Node(package='rmw_hazcat_demos', executable='talker_loaned', namespace=ns,
             name='talker', output='screen'),
        Node(package='rmw_hazcat_demos', executable='listener', namespace=ns,
             name='listener', output='screen'),
        Node(package='rmw_hazcat_demos', executable='py_listener.py', namespace=ns,
             name='py_listener', output='screen'),
    ])
