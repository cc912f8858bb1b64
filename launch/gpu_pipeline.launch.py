# ros2 launch rmw_hazcat_rs gpu_pipeline.launch.py
# CUDA producer -> CUDA consumer (same device memory, another process) + CPU statistics process.
import os
import sys

from launch import LaunchDescription
from launch_ros.actions import Node

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hazcat_env import hazcat_env  # noqa: E402


def generate_launch_description():
    ns = 'hazcat_demo'
    return LaunchDescription(hazcat_env('gpu_pipeline.yaml') + [
        Node(package='rmw_hazcat_demos', executable='gpu_producer', namespace=ns,
             name='gpu_producer', output='screen'),
        Node(package='rmw_hazcat_demos', executable='gpu_consumer', namespace=ns,
             name='gpu_consumer', output='screen'),
        Node(package='rmw_hazcat_demos', executable='gpu_stats', namespace=ns,
             name='gpu_stats', output='screen'),
    ])
