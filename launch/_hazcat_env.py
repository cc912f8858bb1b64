# Shared by the demo launch files: the environment every process of a demo runs with.
import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import SetEnvironmentVariable


def hazcat_env(config_name):
    """RMW_IMPLEMENTATION=rmw_hazcat_rs and HAZCAT_CONFIG=<share>/config/<config_name>."""
    share = get_package_share_directory('rmw_hazcat_rs')
    return [
        SetEnvironmentVariable('RMW_IMPLEMENTATION', 'rmw_hazcat_rs'),
        SetEnvironmentVariable('HAZCAT_CONFIG', os.path.join(share, 'config', config_name)),
    ]
