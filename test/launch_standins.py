"""Stand-ins for the few parts of ROS 2's launch API (and ament_index_python) that this
repository's launch files use. `launch` is not on PyPI for Jazzy, so a test loads a launch file
with these in sys.modules and looks at what it builds: each stand-in records its arguments.
Shared by test/bridge/test_launch.py and test/rclpy/test_pingpong_launch.py."""

import importlib.util
import sys
import types


class Recorded:
    """An action or description: keeps what it was built with."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class LaunchConfiguration(Recorded):
    def perform(self, context):
        return context.launch_configurations[self.args[0]]


class PackageNotFoundError(KeyError):
    pass


def load_launch_file(monkeypatch, path, prefixes=None):
    """The launch file at `path`, loaded with the stand-ins (undone by `monkeypatch` after the
    test). `prefixes` (package name -> install prefix, read at each lookup), when given, stands in
    for ament_index_python.packages."""
    launch = types.ModuleType('launch')
    launch.LaunchDescription = type('LaunchDescription', (Recorded,), {})
    actions = types.ModuleType('launch.actions')
    for name in ('DeclareLaunchArgument', 'ExecuteProcess', 'OpaqueFunction',
                 'SetEnvironmentVariable'):
        setattr(actions, name, type(name, (Recorded,), {}))
    subs = types.ModuleType('launch.substitutions')
    subs.LaunchConfiguration = LaunchConfiguration
    modules = {'launch': launch, 'launch.actions': actions, 'launch.substitutions': subs}
    if prefixes is not None:
        def get_package_prefix(name):
            if name not in prefixes:
                raise PackageNotFoundError(name)
            return prefixes[name]

        ament = types.ModuleType('ament_index_python')
        packages = types.ModuleType('ament_index_python.packages')
        packages.PackageNotFoundError = PackageNotFoundError
        packages.get_package_prefix = get_package_prefix
        packages.get_package_share_directory = (
            lambda name: f'{get_package_prefix(name)}/share/{name}')
        ament.packages = packages
        modules.update({'ament_index_python': ament, 'ament_index_python.packages': packages})
    for name, mod in modules.items():
        monkeypatch.setitem(sys.modules, name, mod)
    # A launch file may import helpers from its own directory (put first on sys.path): both are
    # undone after the test, so a helper is always imported with these stand-ins.
    monkeypatch.delitem(sys.modules, '_hazcat_env', raising=False)
    monkeypatch.setattr(sys, 'path', list(sys.path))
    spec = importlib.util.spec_from_file_location(path.stem.replace('.', '_'), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entities_of(module):
    return module.generate_launch_description().args[0]


def declared(module):
    """Declared launch arguments and their defaults."""
    return {e.args[0]: e.kwargs['default_value'] for e in entities_of(module)
            if type(e).__name__ == 'DeclareLaunchArgument'}


def started_process(module, **given):
    """The one ExecuteProcess the description's OpaqueFunction starts, with the launch arguments
    `given` (the others at their defaults)."""
    defaults = declared(module)
    assert set(given) <= set(defaults), f'undeclared arguments: {set(given) - set(defaults)}'
    context = types.SimpleNamespace(launch_configurations={**defaults, **given})
    (opaque,) = [e for e in entities_of(module) if type(e).__name__ == 'OpaqueFunction']
    (process,) = opaque.kwargs['function'](context)
    assert type(process).__name__ == 'ExecuteProcess'
    return process
