"""Recovery without restarting any ROS node: a bridge killed with SIGKILL and started again, and
a host's link cut and restored. The remote host's graph loses the talker, then has it again,
and messages flow again; what the dead bridge held in shared memory is reclaimed.

The link test shortens Zenoh's lease (10 s by default) through a bridge configuration file, to
keep it quick; HAZCAT_BRIDGE_TEST_DEFAULT_LEASE=1 runs it with Zenoh's defaults instead, and
HAZCAT_BRIDGE_TEST_OUTAGE_S=N keeps the link down N s longer (a measurement, not a check). Each
test prints how long the remote graph took to lose and regain the talker (pytest -s)."""

import json
import os
import signal
import subprocess
import time

import payloads
from hosts import STRING, wait_until

DEFAULT_LEASE = os.environ.get('HAZCAT_BRIDGE_TEST_DEFAULT_LEASE') == '1'
# Seconds the cut link stays down after the remote graph lost the talker (a longer outage makes
# the connecting bridge's retries back off and its connection attempts time out).
OUTAGE_S = float(os.environ.get('HAZCAT_BRIDGE_TEST_OUTAGE_S', '0'))
# Test-only Zenoh settings: what `hazcat bridge` sets without --zenoh-config (peer, no multicast
# scouting) plus a 2 s lease, so that a cut link is noticed in about 2 s instead of 10.
SHORT_LEASE = '''{
  mode: "peer",
  scouting: { multicast: { enabled: false } },
  transport: { link: { tx: { lease: 2000, keep_alive: 4 } } },
}'''


# The talker publishes seeds 0, 1, ... every 50 ms: enough for a few minutes.
SEED_OF = {payloads.make(STRING, k).data: k for k in range(0, 6000)}


def nodes_of(agent):
    return [tuple(n) for n in agent.graph()['nodes']]


def ls(host):
    """`hazcat ls --json` of host's domain."""
    out = subprocess.run([host.cli_bin, 'ls', '--json'], env=host.bridge_env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)['domains']


def held_by(host, pid):
    """What host's shared memory still holds of process `pid`: participants, endpoints, and
    memory pools nobody references."""
    left = []
    for d in ls(host):
        left += [('participant', p) for p in d['participants'] if p['pid'] == pid]
        left += [('endpoint', t['name'], e['role']) for t in d['topics']
                 for e in t['endpoints'] if e['pid'] == pid]
        left += [('unreferenced pool', a['object']) for a in d['arenas'] if not a['referenced']]
    return left


def chatter(a, b, *bridge_args):
    """Bridges on A (listening) and B (connecting to A), talker on A, listener on B, messages
    flowing; returns (bridge A, bridge B, talker, listener)."""
    bridge_a = a.bridge('--listen', f'tcp/{a.addr}:7447', *bridge_args)
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447', *bridge_args)
    listener = b.agent('listener')
    listener.sub('chat', topic='/chatter', type=STRING, qos={'depth': 100})
    talker = a.agent('talker')
    talker.pub('chat', topic='/chatter', type=STRING, qos={'depth': 100})
    talker.publish_periodic('chat', period=0.05)
    listener.wait_msgs('chat', count=5, clear=True)
    return bridge_a, bridge_b, talker, listener


def assert_resumes_in_order(listener):
    """New messages arrive, each once, in the order they were published."""
    listener.wait_msgs('chat', count=1, clear=True)
    msgs = listener.wait_msgs('chat', count=10)['msgs']
    got = [SEED_OF[m['data']] for m in msgs]
    assert got == list(range(got[0], got[0] + len(got))), \
        f'duplicates, gaps or reordering after recovery: {got}'


def finish(hosts, agents, bridges):
    for ag in agents:
        ag.exit()
    for br in bridges:
        assert br.stop() == 0, br.tail()
    for h in hosts:
        assert h.shm_objects() == [], (h.side, h.shm_objects())


def test_bridge_killed_and_restarted(hosts):
    a, b = hosts
    bridge_a, bridge_b, talker, listener = chatter(a, b)
    wait_until('talker in B\'s graph', lambda: ('talker', '/') in nodes_of(listener))
    dead = bridge_a.proc.pid
    t0 = time.monotonic()
    bridge_a.stop(signal.SIGKILL)
    wait_until('talker gone from B\'s graph', lambda: ('talker', '/') not in nodes_of(listener))
    lost = time.monotonic() - t0
    # A's nodes outlive their bridge; the dead bridge's proxy of B's listener leaves A's graph.
    wait_until('B\'s listener gone from A\'s graph',
               lambda: ('listener', '/') not in nodes_of(talker))

    t1 = time.monotonic()
    bridge_a2 = a.bridge('--listen', f'tcp/{a.addr}:7447')
    wait_until('talker back in B\'s graph', lambda: ('talker', '/') in nodes_of(listener))
    regained = time.monotonic() - t1
    assert_resumes_in_order(listener)
    print(f'\nbridge SIGKILL: B lost the talker after {lost:.2f} s; regained it '
          f'{regained:.2f} s after the restart')
    assert nodes_of(listener).count(('talker', '/')) == 1
    wait_until('listener once in A\'s graph',
               lambda: nodes_of(talker).count(('listener', '/')) == 1)
    # What the dead bridge held in topics (its subscriber's slot on /chatter, loans, pools) is
    # reclaimed when a participant joins or leaves, or an rmw matched-count query sweeps: the
    # new bridge's join at the latest.
    try:
        wait_until('nothing of the dead bridge in A\'s shm', lambda: not held_by(a, dead))
    except AssertionError as e:
        raise AssertionError(f'{e}: {held_by(a, dead)}') from None
    finish(hosts, [talker, listener], [bridge_a2, bridge_b])


def test_link_cut_and_restored(hosts, tmp_path):
    a, b = hosts
    args = []
    if not DEFAULT_LEASE:
        conf = tmp_path / 'zenoh.json5'
        conf.write_text(SHORT_LEASE)
        args = ['--zenoh-config', str(conf)]
    bridge_a, bridge_b, talker, listener = chatter(a, b, *args)
    wait_until('talker in B\'s graph', lambda: ('talker', '/') in nodes_of(listener))
    t0 = time.monotonic()
    a.net.cut('a')
    # Without traffic the Zenoh lease expires on both sides: B's graph loses A's nodes.
    wait_until('talker gone from B\'s graph', lambda: ('talker', '/') not in nodes_of(listener),
               timeout=60)
    lost = time.monotonic() - t0
    if OUTAGE_S:
        time.sleep(OUTAGE_S)  # the outage itself, not a synchronisation
    t1 = time.monotonic()
    a.net.restore('a')
    wait_until('talker back in B\'s graph', lambda: ('talker', '/') in nodes_of(listener),
               timeout=60)
    regained = time.monotonic() - t1
    assert_resumes_in_order(listener)
    lease = 'default' if DEFAULT_LEASE else '2 s'
    print(f'\nlink cut ({lease} lease, {OUTAGE_S:g} s more): B lost the talker after {lost:.2f} s; '
          f'regained it {regained:.2f} s after the link came back')
    assert nodes_of(listener).count(('talker', '/')) == 1
    assert nodes_of(talker).count(('listener', '/')) == 1
    finish(hosts, [talker, listener], [bridge_a, bridge_b])
