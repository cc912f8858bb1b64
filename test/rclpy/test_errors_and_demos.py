"""What a user sees when something goes wrong, and the shipped rclpy demo script."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HAZCAT, TIMEOUT, AgentError, wait_until

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not HAZCAT, reason="hazcat-only: a HAZCAT_CONFIG rule routes a topic to a "
                    "missing GPU, which the control does not read")
def test_rmw_error_text_reaches_rclpy(ros):
    """rclpy loads rcutils RTLD_LOCAL: hazcat's message must still reach rcl's error state (not
    'error not set'), naming our source file, not a /rustc/ path. A publisher routed by
    HAZCAT_CONFIG to a GPU memory domain fails on a machine without one."""
    config = ros.dir / 'gpu.yaml'
    config.write_text('version: 1\nrules:\n  - name: gpu\n    topic: /gpu\n    domain: cuda:0\n')
    ros.env['HAZCAT_CONFIG'] = str(config)
    agent = ros.agent('erring')
    with pytest.raises(AgentError) as failure:
        agent.pub('p', topic='/gpu', type='std_msgs/msg/String')
    text = str(failure.value)
    assert 'memory domain cuda:0 is not available' in text, text
    assert 'at rmw_hazcat/src/' in text, text
    assert 'error not set' not in text and '/rustc/' not in text, text
    # The node is still usable after the error.
    agent.pub('ok', topic='/cpu', type='std_msgs/msg/String')


def test_py_listener_demo_exits_cleanly_on_ctrl_c(ros):
    """rmw_hazcat_demos/scripts/py_listener.py on SIGINT (Ctrl-C): exit status 0, no traceback,
    under any RMW. Its message package (built by colcon with rclcpp) is stood in for by a module
    that maps Frame to std_msgs/String: only the script's own start and shutdown are tested."""
    stub = ros.dir / 'stub' / 'rmw_hazcat_demos' / 'msg'
    stub.mkdir(parents=True)
    (stub.parent / '__init__.py').write_text('')
    (stub / '__init__.py').write_text('from std_msgs.msg import String as Frame  # noqa: F401\n')
    env = dict(ros.env, PYTHONPATH=str(ros.dir / 'stub'))
    log = ros.dir / 'py_listener.log'
    observer = ros.agent('observer')
    with open(log, 'w') as out:
        proc = subprocess.Popen(
            [sys.executable, str(REPO / 'rmw_hazcat_demos/scripts/py_listener.py')],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: observer.graph(topics=['/frames'])['per_topic']['/frames'],
                   lambda t: t['subscribers'] == 1, what='py_listener subscribed to /frames')
        proc.send_signal(signal.SIGINT)
        code = proc.wait(TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text(errors='replace')
    assert code == 0, text
    assert 'Traceback' not in text, text
    if HAZCAT:
        wait_until(lambda: observer.graph(topics=['/frames'])['per_topic']['/frames'],
                   lambda t: t['subscribers'] == 0, what='py_listener gone from the graph')


LOG_SCRIPT = '''
import sys, rclpy
from std_msgs.msg import String
rclpy.init(args=sys.argv)
node = rclpy.create_node('logtest')
node.create_publisher(String, 'chatter', 10)
node.destroy_node()
rclpy.shutdown()
'''


@pytest.mark.skipif(not HAZCAT, reason='hazcat-only: the rmw_hazcat_rs logger')
def test_log_level_argument_shows_hazcat_debug_output(ros):
    """hazcat logs through rcutils as `rmw_hazcat_rs`: quiet by default, its debug lines shown
    with `--ros-args --log-level rmw_hazcat_rs:=debug`."""
    def run(*args):
        done = subprocess.run([sys.executable, '-c', LOG_SCRIPT, *args], env=ros.env,
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr
        return done.stderr
    quiet = run()
    assert '[rmw_hazcat_rs]' not in quiet, quiet
    loud = run('--ros-args', '--log-level', 'rmw_hazcat_rs:=debug')
    assert "[rmw_hazcat_rs]: /logtest: Publisher '/chatter' (std_msgs/msg/String)" in loud, loud
