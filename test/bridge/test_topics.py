"""rclpy nodes on two hosts (network namespaces joined by a veth pair), each host with its own
shared-memory directory and its own `hazcat bridge`: messages cross, in both layouts (CDR and
plain), exactly once and in order; each host's graph shows the other's nodes and endpoints with
their QoS, and forgets them when they leave; a topic published and subscribed on both hosts
carries each message once (no loop through the two bridges); nothing is left in either shm
directory."""

import payloads
from hosts import STRING, wait_until

# Plain (fixed-size, no strings): kept as raw C-layout bytes in shared memory, CDR on the wire.
PLAIN = 'test_msgs/msg/BasicTypes'


def seeds_of(type_name, msgs, first_max=10000):
    """The seeds payloads.make used for msgs; each message must be one of them."""
    want = {}
    out = []
    for m in msgs:
        for seed in range(0, first_max):
            if seed not in want:
                want[seed] = payloads.canonical(payloads.make(type_name, seed))
            if want[seed] == m:
                out.append(seed)
                break
        else:
            raise AssertionError(f'{type_name}: received a message nobody sent: {m}')
    return out


def assert_once_in_order(type_name, msgs):
    seeds = seeds_of(type_name, msgs)
    assert seeds == list(range(seeds[0], seeds[0] + len(seeds))), \
        f'{type_name}: seeds not consecutive (duplicate or lost): {seeds}'


def nodes_of(agent):
    return [tuple(n) for n in agent.graph()['nodes']]


def test_topics_cross_hosts_with_graph(hosts):
    a, b = hosts
    bridge_a = a.bridge('--listen', f'tcp/{a.addr}:7447')
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447', cli=True)  # as `hazcat bridge`

    listener = b.agent('listener')
    listener.sub('chat', topic='/chatter', type=STRING)
    listener.sub('plain', topic='/plain', type=PLAIN, qos={'reliability': 'best_effort', 'depth': 5})
    talker = a.agent('talker')
    talker.pub('chat', topic='/chatter', type=STRING, qos={'depth': 7})
    talker.pub('plain', topic='/plain', type=PLAIN, qos={'reliability': 'best_effort', 'depth': 5})

    # Graphs: each host sees the other's node, once.
    wait_until('talker in B\'s graph', lambda: ('talker', '/') in nodes_of(listener))
    wait_until('listener in A\'s graph', lambda: ('listener', '/') in nodes_of(talker))

    talker.publish_periodic('chat', period=0.05)
    talker.publish_periodic('plain', period=0.05, first_seed=1000)
    chat = listener.wait_msgs('chat', count=20)['msgs']
    plain = listener.wait_msgs('plain', count=20)['msgs']
    assert_once_in_order(STRING, chat)
    assert_once_in_order(PLAIN, plain)

    # `hazcat ls` on B shows its bridge: /chatter carried in from Zenoh, A's bridge a peer.
    status = b.ls_json()['domains'][0]['bridge']
    assert [t['samples'] > 0 for t in status['topics']
            if (t['name'], t['direction']) == ('/chatter', 'in')] == [True], status
    assert bridge_a.zid in status['peers'], status

    # B sees A's publisher with A's QoS; A sees B's subscription; nobody sees a copy of its own
    # endpoints coming back.
    gb = listener.graph(topics=['/chatter', '/plain'])
    pubs = gb['per_topic']['/chatter']['publishers_info']
    assert [(p['node_name'], p['node_namespace'], p['topic_type']) for p in pubs] == \
        [('talker', '/', STRING)]
    assert pubs[0]['qos']['depth'] == 7 and pubs[0]['qos']['reliability'] == 'reliable'
    plain_pubs = gb['per_topic']['/plain']['publishers_info']
    assert [p['qos']['reliability'] for p in plain_pubs] == ['best_effort']
    assert gb['per_topic']['/chatter']['subscribers'] == 1
    assert nodes_of(listener).count(('talker', '/')) == 1
    assert nodes_of(listener).count(('listener', '/')) == 1
    ga = talker.graph(topics=['/chatter'])
    subs = ga['per_topic']['/chatter']['subscriptions_info']
    assert [(s['node_name'], s['topic_type']) for s in subs] == [('listener', STRING)]
    assert ga['per_topic']['/chatter']['publishers'] == 1

    # A node that leaves disappears from the other host's graph.
    talker.exit()
    wait_until('talker gone from B\'s graph', lambda: ('talker', '/') not in nodes_of(listener))
    listener.exit()
    assert bridge_a.stop() == 0, bridge_a.tail()
    assert bridge_b.stop() == 0, bridge_b.tail()
    assert a.shm_objects() == [] and b.shm_objects() == []



def test_same_topic_both_ways_is_loop_free(hosts):
    """Each host publishes and subscribes /both: every subscription gets its own host's and the
    other host's messages exactly once each, in order; a sample that went back out over Zenoh (a
    proxy's sample forwarded, or a proxy announced back) would show as a duplicate."""
    a, b = hosts
    bridge_a = a.bridge('--listen', f'tcp/{a.addr}:7447')
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447')
    first_b = 5000  # A publishes seeds 0, 1, ...; B publishes 5000, 5001, ...
    last = 2000  # offset of each publisher's last message
    seed_of = {payloads.make(STRING, k).data: k
               for k in (*range(0, last + 1), *range(first_b, first_b + last + 1))}

    def split(agent):
        """(seeds received from A, seeds received from B)."""
        seeds = [seed_of[m['data']] for m in agent.msgs('in')['msgs']]
        return [s for s in seeds if s < first_b], [s for s in seeds if s >= first_b]

    na, nb = a.agent('node_a'), b.agent('node_b')
    for ag in (na, nb):
        ag.sub('in', topic='/both', type=STRING, qos={'depth': 100})
        ag.pub('out', topic='/both', type=STRING, qos={'depth': 100})
    wait_until('node_a in B\'s graph', lambda: ('node_a', '/') in nodes_of(nb))
    wait_until('node_b in A\'s graph', lambda: ('node_b', '/') in nodes_of(na))
    na.publish_periodic('out', period=0.05, first_seed=0)
    nb.publish_periodic('out', period=0.05, first_seed=first_b)
    wait_until('15 messages from B on A', lambda: len(split(na)[1]) >= 15)
    wait_until('15 messages from A on B', lambda: len(split(nb)[0]) >= 15)
    # Each publisher ends with one last message: once both subscriptions hold both last
    # messages, what was in flight before them has arrived (and a loop would have shown as
    # duplicates of the earlier ones by then).
    for ag, first in ((na, 0), (nb, first_b)):
        ag.destroy('out.timer')
        ag.publish('out', seeds=[first + last])
    for ag in (na, nb):
        wait_until(f'both last messages on {ag.log.stem}', lambda ag=ag: all(
            part and part[-1] in (last, first_b + last) for part in split(ag)))
    for ag in (na, nb):
        for part in split(ag):
            run = part[:-1]
            assert len(run) >= 15, split(ag)
            assert run == list(range(run[0], run[0] + len(run))), \
                f'{ag.log.stem}: duplicates or gaps: {split(ag)}'
        nodes = nodes_of(ag)
        assert nodes.count(('node_a', '/')) == 1 and nodes.count(('node_b', '/')) == 1, nodes
    for ag in (na, nb):
        ag.exit()
    assert bridge_a.stop() == 0, bridge_a.tail()
    assert bridge_b.stop() == 0, bridge_b.tail()
    assert a.shm_objects() == [] and b.shm_objects() == []


def test_transient_local_history_reaches_late_joiners_on_the_other_host(hosts):
    """A transient-local publisher on A writes before any bridge or subscription exists; a
    transient-local subscription created later on B receives the last `depth` messages once each,
    in order (A's bridge serves them from its AdvancedPublisher cache, B's AdvancedSubscriber
    fetches them), a second late joiner on B gets them from B's proxy (no second trip), and
    later messages arrive live."""
    a, b = hosts
    latched = {'durability': 'transient_local', 'depth': 3}
    talker = a.agent('latcher')
    talker.pub('map', topic='/map', type=STRING, qos=latched)
    talker.publish('map', seeds=list(range(5)))
    bridge_a = a.bridge('--listen', f'tcp/{a.addr}:7447')
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447')
    late = b.agent('late')
    late.sub('first', topic='/map', type=STRING, qos=latched)
    history = late.wait_msgs('first', count=3)['msgs']
    assert seeds_of(STRING, history) == [2, 3, 4], history
    late.sub('second', topic='/map', type=STRING, qos=latched)
    assert seeds_of(STRING, late.wait_msgs('second', count=3)['msgs']) == [2, 3, 4]
    talker.publish('map', seeds=[5])
    for key in ('first', 'second'):
        msgs = late.wait_msgs(key, count=4)['msgs']
        assert seeds_of(STRING, msgs) == [2, 3, 4, 5], (key, msgs)
    late.exit()
    talker.exit()
    assert bridge_a.stop() == 0, bridge_a.tail()
    assert bridge_b.stop() == 0, bridge_b.tail()
    assert a.shm_objects() == [] and b.shm_objects() == []


def test_messages_of_a_device_domain_cross_from_their_host_copy(hosts, tmp_path):
    """A publisher whose messages live in another memory domain (`emulated:0`, a device domain
    reached by copies only, as `cuda:N` is; HAZCAT_CONFIG) on A: the bridge's host-memory
    subscriber takes hazcat's host copy (made once, shared with every host subscriber), and B
    receives each message once, in order; a host subscriber on A gets the same."""
    a, b = hosts
    conf = tmp_path / 'device.yaml'
    conf.write_text('version: 1\nrules:\n  - topic: /frames\n    role: publisher\n'
                    '    domain: emulated:0\n')
    bridge_a = a.bridge('--listen', f'tcp/{a.addr}:7447')
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447')
    listener = b.agent('listener')
    listener.sub('frames', topic='/frames', type=STRING)
    local = a.agent('local_listener')
    local.sub('frames', topic='/frames', type=STRING)
    camera = a.agent('camera', env={'HAZCAT_CONFIG': str(conf)})
    camera.pub('frames', topic='/frames', type=STRING)
    wait_until('camera in B\'s graph', lambda: ('camera', '/') in nodes_of(listener))
    camera.publish_periodic('frames', period=0.05)
    assert_once_in_order(STRING, listener.wait_msgs('frames', count=10)['msgs'])
    assert_once_in_order(STRING, local.wait_msgs('frames', count=10)['msgs'])
    # The publisher writes in emulated:0 and its messages were copied to host memory once each
    # (the bridge and the local listener share that copy).
    (dom,) = a.ls_json()['domains']
    (frames,) = [t for t in dom['topics'] if t['name'] == '/frames']
    roles = {(e['role'], e['memory_domain']) for e in frames['endpoints']}
    assert ('publisher', 'emulated:0') in roles, frames['endpoints']
    copies = {c['memory_domain']: c['messages'] for c in frames['copies']}
    assert 10 <= copies.get('host', 0) <= frames['published'], (frames['copies'], frames)
    for ag in (camera, local, listener):
        ag.exit()
    assert bridge_a.stop() == 0, bridge_a.tail()
    assert bridge_b.stop() == 0, bridge_b.tail()
    assert a.shm_objects() == [] and b.shm_objects() == []


TEST_MSGS = ['BasicTypes', 'Arrays', 'BoundedPlainSequences', 'BoundedSequences',
             'UnboundedSequences', 'Nested', 'Strings', 'WStrings', 'Builtins', 'MultiNested',
             'Defaults', 'Constants', 'Empty']
BYTES = 'std_msgs/msg/UInt8MultiArray'


def test_every_test_msgs_type_and_sizes_up_to_16_mib(hosts):
    """Every test_msgs message type (plain and CDR layouts, strings, wide strings, bounded and
    unbounded sequences, nested arrays) crosses from A to B intact, once each and in order; so
    do std_msgs/UInt8MultiArray messages of 64 B, 1 MiB and 16 MiB (checked by digest)."""
    a, b = hosts
    bridge_a = a.bridge('--listen', f'tcp/{a.addr}:7447')
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447')
    listener, talker = b.agent('listener'), a.agent('talker')
    sizes = {'small': 64, 'mib': 1 << 20, 'big': 16 << 20}
    # Keep-all: the bridge then sends with CongestionControl BLOCK, so nothing may be lost. With
    # keep-last it drops a sample its link cannot take at once (as rmw_zenoh does), which a
    # 16 MiB message every 250 ms on a loaded 2-CPU machine may cause.
    qos = {'history': 'keep_all'}
    for t in TEST_MSGS:
        listener.sub(t, topic=f'/types/{t}', type=f'test_msgs/msg/{t}', qos=qos)
        talker.pub(t, topic=f'/types/{t}', type=f'test_msgs/msg/{t}', qos=qos)
    for k in sizes:
        listener.sub(k, topic=f'/bytes/{k}', type=BYTES, qos=qos)
        talker.pub(k, topic=f'/bytes/{k}', type=BYTES, qos=qos)
    wait_until('talker in B\'s graph', lambda: ('talker', '/') in nodes_of(listener))
    for t in TEST_MSGS:
        talker.publish_periodic(t, period=0.1)
    for k, size in sizes.items():
        talker.publish_periodic(k, period=0.25, size=size)
    for t in TEST_MSGS:
        name = f'test_msgs/msg/{t}'
        msgs = listener.wait_msgs(t, count=3, timeout=60)['msgs']
        same = payloads.canonical(payloads.make(name, 0))
        if same == payloads.canonical(payloads.make(name, 1)):  # Constants, Empty: no data
            assert all(m == same for m in msgs), (t, msgs)
        else:
            assert_once_in_order(name, msgs)
    for k, size in sizes.items():
        msgs = listener.wait_msgs(k, count=3, timeout=60)['msgs']
        seeds = [m['layout']['data_offset'] for m in msgs]
        assert seeds == list(range(seeds[0], seeds[0] + len(seeds))), (k, seeds)
        for m, s in zip(msgs, seeds):
            assert m == payloads.canonical(payloads.make_bytes(size, s)), (k, s)
    for ag in (talker, listener):
        ag.exit()
    assert bridge_a.stop() == 0, bridge_a.tail()
    assert bridge_b.stop() == 0, bridge_b.tail()
    assert a.shm_objects() == [] and b.shm_objects() == []
