"""`hazcat bridge --config FILE`: a broken file stops the bridge before anything starts, with every
error named by file and line; allow / deny keep a topic off the wire both ways (not announced,
not mirrored, not carried); a rate limit drops outbound samples above the rate, counted apart in
the status that `hazcat ls --json` shows."""

import subprocess

from conftest import CLI_BIN
from hosts import STRING, TIMEOUT, wait_until


def test_broken_config_exits_before_starting(tmp_path):
    cfg = tmp_path / 'bridge.yaml'
    cfg.write_text('version: 1\n'
                   'allow: [chatter]\n'
                   'rate_limits:\n'
                   '  - topic: /camera/**\n'
                   '    max_rate: -1\n'
                   'colour: red\n')
    shm = tmp_path / 'shm'
    r = subprocess.run([CLI_BIN, 'bridge', '--config', str(cfg), '--listen', 'tcp/127.0.0.1:0'],
                       capture_output=True, text=True, timeout=TIMEOUT,
                       env={'HAZCAT_SHM_DIR': str(shm), 'PATH': '/usr/bin:/bin'})
    assert r.returncode != 0, r
    assert 'ready' not in r.stdout, r.stdout
    assert r.stderr.startswith('hazcat bridge: 3 errors:\n'), r.stderr
    for where in (f'{cfg}:2: allow: pattern \'chatter\' never matches',
                  f'{cfg}:5: rate_limits[0]: max_rate: \'-1\' is not a rate',
                  f'{cfg}:6: unknown key \'colour\' in top level'):
        assert where in r.stderr, r.stderr
    # Nothing was joined: no shared memory was touched.
    assert not shm.exists() or list(shm.iterdir()) == []


def test_deny_and_rate_limit(hosts, tmp_path):
    a, b = hosts
    cfg = tmp_path / 'a.yaml'
    cfg.write_text(f'version: 1\n'
                   f'listen: tcp/{a.addr}:7447\n'
                   f'deny: [/secret/**]\n'
                   f'rate_limits:\n'
                   f'  - topic: /fast\n'
                   f'    max_rate: 5\n')
    bridge_a = a.bridge('--config', str(cfg))
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447')
    listener = b.agent('listener')
    talker = a.agent('talker')
    for key, topic in (('chat', '/chatter'), ('secret', '/secret/plans'), ('fast', '/fast')):
        listener.sub(key, topic=topic, type=STRING, qos={'depth': 100})
        talker.pub(key, topic=topic, type=STRING, qos={'depth': 100})
    wait_until('talker in B\'s graph',
               lambda: ('talker', '/') in [tuple(n) for n in listener.graph()['nodes']])
    talker.publish_periodic('chat', period=0.05)
    talker.publish_periodic('secret', period=0.05)
    talker.publish_periodic('fast', period=0.01, first_seed=1000)
    listener.wait_msgs('chat', count=20)
    listener.wait_msgs('fast', count=3)
    # Denied on A: B never sees A's publisher nor its samples; A never sees B's subscription.
    assert listener.msgs('secret')['msgs'] == []
    assert listener.graph(topics=['/secret/plans'])['per_topic']['/secret/plans']['publishers'] == 0
    assert talker.graph(topics=['/secret/plans'])['per_topic']['/secret/plans']['subscribers'] == 0
    status = a.ls_json()['domains'][0]['bridge']
    assert status['deny'] == ['/secret/**'] and status['config'] == str(cfg), status
    assert not [t for t in status['topics'] if t['name'].startswith('/secret')], status
    # /fast, offered at 100/s, leaves at most 5/s (plus the first token): most are rate-limited.
    fast = [t for t in status['topics'] if (t['name'], t['direction']) == ('/fast', 'out')]
    assert len(fast) == 1 and fast[0]['max_rate'] == 5, status
    assert fast[0]['rate_limited'] > fast[0]['samples'] > 0, status
    assert fast[0]['dropped'] == 0, status
    chat = [t for t in status['topics'] if (t['name'], t['direction']) == ('/chatter', 'out')]
    assert chat[0]['samples'] >= 20 and chat[0]['rate_limited'] == 0, status
    for ag in (talker, listener):
        ag.exit()
    assert bridge_a.stop() == 0, bridge_a.tail()
    assert bridge_b.stop() == 0, bridge_b.tail()
    assert a.shm_objects() == [] and b.shm_objects() == []
