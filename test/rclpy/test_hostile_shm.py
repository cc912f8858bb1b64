"""A peer that truncates hazcat's shared objects under running rclpy processes (a same-user
process gone wrong): the processes get errors, never SIGBUS, answer every command, and shut down
normally. Hazcat-only (the control has no such objects)."""

import os

import pytest

import payloads
from conftest import AgentError, hazcat_only

STRING = 'std_msgs/msg/String'


@hazcat_only
@pytest.mark.parametrize('cut', ['zero', 'page', 'half'])
def test_truncated_objects_give_errors_not_sigbus(ros, cut):
    talker, listener = ros.agents_of('talker', 'listener')
    listener.sub('s', topic='/hostile/chatter', type=STRING)
    talker.pub('p', topic='/hostile/chatter', type=STRING)
    talker.wait_matched('p', count=1)
    talker.publish('p', seeds=[1, 2])
    got = listener.wait_msgs('s', count=2, clear=True)['msgs']
    assert got == [payloads.canonical(payloads.make(STRING, s)) for s in (1, 2)]

    for name in ros.shm_objects():
        path = ros.shm / name
        size = path.stat().st_size
        os.truncate(path, {'zero': 0, 'page': 4096, 'half': size // 2}[cut])

    # Every command is answered: a result, or rclpy's exception from hazcat's error.
    outcomes = []
    for seed in (3, 4):
        try:
            talker.publish('p', seeds=[seed])
            outcomes.append('published')
        except AgentError as exc:
            outcomes.append(str(exc).splitlines()[0])
        try:
            outcomes.append(f"took {len(listener.take('s').get('msgs', []))}")
        except AgentError as exc:
            outcomes.append(str(exc).splitlines()[0])
    print(f'{cut}: {outcomes}')
    assert any('truncated or shrunk by another process' in o for o in outcomes), outcomes
    for agent in (talker, listener):
        assert agent.proc.poll() is None, f'{agent.name} died ({agent.proc.returncode}): {outcomes}'
        agent.exit()  # exit status 0: no SIGBUS on the way out either
