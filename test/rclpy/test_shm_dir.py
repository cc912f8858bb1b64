"""The default shared-memory directory (HAZCAT_SHM_DIR unset): a private per-user directory in a
world-writable base (HAZCAT_SHM_BASE, a stand-in for /dev/shm), removed by the last process; a
name squatted there fails rclpy.init() with a message naming it, or, with XDG_RUNTIME_DIR, the
processes meet in the fallback instead."""

import os
import stat
import subprocess
import sys

from conftest import TIMEOUT, hazcat_only
import payloads

T = 'test_msgs/msg/BasicTypes'
INIT = 'import rclpy\nrclpy.init()\nrclpy.shutdown()\n'


def default_dir(ros, runtime=None):
    """Points the test's processes at the default directory scheme in a fresh 1777 base."""
    base = ros.dir / 'base'
    base.mkdir()
    base.chmod(0o1777)
    ros.env.pop('HAZCAT_SHM_DIR')
    ros.env['HAZCAT_SHM_BASE'] = str(base)
    ros.env.pop('XDG_RUNTIME_DIR', None)
    if runtime is not None:
        ros.env['XDG_RUNTIME_DIR'] = str(runtime)
    return base


def exchange(ros, objects_in):
    """Two processes exchange messages; returns what `objects_in` held meanwhile, after which
    both shut down in order."""
    a, b = ros.agents_of('sd_a', 'sd_b')
    a.pub('p', topic='/sd', type=T)
    b.sub('s', topic='/sd', type=T, qos={'depth': 10})
    a.wait_matched('p', count=1)
    a.publish('p', seeds=[1, 2, 3])
    want = [payloads.canonical(payloads.make(T, s)) for s in (1, 2, 3)]
    assert b.wait_msgs('s', count=3)['msgs'] == want
    st = os.lstat(objects_in)
    held = sorted(os.listdir(objects_in))
    for agent in (a, b):
        agent.exit()
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700, oct(st.st_mode)
    assert st.st_uid == os.geteuid()
    return held


@hazcat_only
def test_per_user_dir_is_private_and_removed_by_the_last_process(ros):
    base = default_dir(ros)
    held = exchange(ros, base / f'hazcat-{os.geteuid()}')
    assert f'hazcat_{os.getuid()}_{ros.domain_id}_registry' in held, held
    assert os.listdir(base) == []


@hazcat_only
def test_squatted_dir_fails_init_naming_it_or_falls_back_to_the_runtime_dir(ros):
    """A symbolic link in place of the per-user directory (what another user could plant)."""
    elsewhere = ros.dir / 'elsewhere'
    elsewhere.mkdir(mode=0o700)
    base = default_dir(ros)
    squatted = base / f'hazcat-{os.geteuid()}'
    squatted.symlink_to(elsewhere)
    done = subprocess.run([sys.executable, '-c', INIT], env=ros.env, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode != 0, done.stderr
    for part in (f"'{squatted}' is a symbolic link owned by uid {os.geteuid()}",
                 'XDG_RUNTIME_DIR is not set', 'HAZCAT_SHM_DIR'):
        assert part in done.stderr, done.stderr
    assert 'panicked' not in done.stderr, done.stderr

    runtime = ros.dir / 'run'
    runtime.mkdir(mode=0o700)
    ros.env['XDG_RUNTIME_DIR'] = str(runtime)
    assert exchange(ros, runtime / 'hazcat')
    assert os.listdir(runtime) == [] and os.listdir(elsewhere) == []
    assert os.listdir(base) == [squatted.name]
