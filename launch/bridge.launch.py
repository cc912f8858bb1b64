# ros2 launch rmw_hazcat_rs bridge.launch.py connect:=tcp/10.0.0.2:7447
# Starts `hazcat bridge`, which carries this host's ROS topics to other hosts over Zenoh.
#
# Arguments (each optional; empty means "not given"):
#   listen:=tcp/0.0.0.0:7447[,more]   Zenoh endpoints to listen on (comma-separated)
#   connect:=tcp/10.0.0.2:7447[,more] Zenoh endpoints to connect to (comma-separated)
#   config:=bridge.yaml               the bridge configuration file (allow / deny, rate limits)
#   zenoh_config:=zenoh.json5         a Zenoh JSON5 configuration to start from
#   domain:=0                         ROS domain id (default: the file's, else $ROS_DOMAIN_ID)
#   hazcat:=hazcat                    the `hazcat` executable (default: from PATH)
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, OpaqueFunction
from launch.substitutions import LaunchConfiguration

ARGUMENTS = (
    ('listen', '', 'Zenoh endpoints to listen on, comma-separated (e.g. tcp/0.0.0.0:7447)'),
    ('connect', '', 'Zenoh endpoints to connect to, comma-separated (e.g. tcp/10.0.0.2:7447)'),
    ('config', '', 'bridge configuration file (YAML: allow / deny globs, rate limits, ...)'),
    ('zenoh_config', '', 'Zenoh JSON5 configuration file to start from'),
    ('domain', '', 'ROS domain id (default: the configuration file, else $ROS_DOMAIN_ID)'),
    ('hazcat', 'hazcat', 'the hazcat executable'),
)


def bridge_command(hazcat='hazcat', listen='', connect='', config='', zenoh_config='',
                   domain=''):
    """The command line of `hazcat bridge` for these argument values (empty: left out)."""
    cmd = [hazcat, 'bridge']
    for flag, value in (('--listen', listen), ('--connect', connect)):
        for endpoint in (e.strip() for e in value.split(',')):
            if endpoint:
                cmd += [flag, endpoint]
    for flag, value in (('--config', config), ('--zenoh-config', zenoh_config),
                        ('--domain', domain)):
        if value.strip():
            cmd += [flag, value.strip()]
    return cmd


def _start_bridge(context):
    values = {name: LaunchConfiguration(name).perform(context) for name, _, _ in ARGUMENTS}
    return [ExecuteProcess(cmd=bridge_command(**values), name='hazcat_bridge', output='screen')]


def generate_launch_description():
    return LaunchDescription(
        [DeclareLaunchArgument(name, default_value=default, description=description)
         for name, default, description in ARGUMENTS]
        + [OpaqueFunction(function=_start_bridge)])
