"""Three hosts (network namespaces on one switch), each with its own shared-memory directory and
its own `hazcat bridge`: A listens, B and C connect to A only. The same topic published and
subscribed on all three hosts: every subscription receives every publisher's messages exactly
once and in order (so A's messages fan out to B and C, and B's reach C although B and C were
only told about A); each host's graph lists every remote node once."""

import subprocess

import payloads
from hosts import STRING, wait_until

FIRST = {'a': 0, 'b': 5000, 'c': 10000}  # first seed each host publishes
SENTINEL = 4000  # offset of each publisher's last message


def nodes_of(agent):
    return [tuple(n) for n in agent.graph()['nodes']]


def tcp_peers(host):
    """Remote addresses of the established TCP connections in host's namespace."""
    out = subprocess.run([*host.net.prefix(host.side), 'ss', '-Htn', 'state', 'established'],
                         check=True, capture_output=True, text=True).stdout
    return {line.split()[-1].rsplit(':', 1)[0] for line in out.splitlines() if line.strip()}


def test_three_hosts_every_message_once(hosts3):
    a, b, c = hosts3
    bridges = [a.bridge('--listen', f'tcp/{a.addr}:7447'),
               b.bridge('--connect', f'tcp/{a.addr}:7447'),
               c.bridge('--connect', f'tcp/{a.addr}:7447')]
    seed_of = {payloads.make(STRING, k).data: k
               for base in FIRST.values() for k in range(base, base + SENTINEL + 1)}

    agents = {h.side: h.agent(f'node_{h.side}') for h in hosts3}
    for ag in agents.values():
        ag.sub('in', topic='/mesh', type=STRING, qos={'depth': 100})
        ag.pub('out', topic='/mesh', type=STRING, qos={'depth': 100})
    names = {('node_a', '/'), ('node_b', '/'), ('node_c', '/')}
    for side, ag in agents.items():
        wait_until(f'every node in {side}\'s graph', lambda ag=ag: names <= set(nodes_of(ag)))
    # B and C were only told about A: they meet by gossip (Zenoh's peers learn each other's
    # locators from A and connect, each listening on an ephemeral port by default).
    wait_until('B and C connected to each other', lambda: c.addr in tcp_peers(b))

    def received(ag):
        """{publishing host: seeds received from it, in arrival order}."""
        out = {side: [] for side in FIRST}
        for m in ag.msgs('in')['msgs']:
            k = seed_of[m['data']]
            side = max((s for s in FIRST if k >= FIRST[s]), key=FIRST.get)
            out[side].append(k - FIRST[side])
        return out

    for side, ag in agents.items():
        ag.publish_periodic('out', period=0.05, first_seed=FIRST[side])
    for side, ag in agents.items():
        wait_until(f'10 messages from every host on {side}',
                   lambda ag=ag: all(len(r) >= 10 for r in received(ag).values()))
    # Each publisher ends with one last message: once every subscription holds every
    # publisher's last message, whatever was in flight before it has arrived.
    for side, ag in agents.items():
        ag.destroy('out.timer')
        ag.publish('out', seeds=[FIRST[side] + SENTINEL])
    for side, ag in agents.items():
        wait_until(f'every last message on {side}',
                   lambda ag=ag: all(r and r[-1] == SENTINEL for r in received(ag).values()))
    for side, ag in agents.items():
        for src, seeds in received(ag).items():
            run = seeds[:-1]
            assert run == list(range(run[0], run[0] + len(run))), \
                f'{side} from {src}: duplicates, gaps or reordering: {seeds}'
            assert seeds.count(SENTINEL) == 1, f'{side} from {src}: {seeds}'
            if src == side:
                assert run[0] == 0, f'{side} lost its own first messages: {seeds}'
        nodes = nodes_of(ag)
        for n in names:
            assert nodes.count(n) == 1, f'{side}: {nodes}'
        g = ag.graph(topics=['/mesh'])['per_topic']['/mesh']
        assert (g['publishers'], g['subscribers']) == (3, 3), f'{side}: {g}'
    for ag in agents.values():
        ag.exit()
    for br in bridges:
        assert br.stop() == 0, br.tail()
    for h in hosts3:
        assert h.shm_objects() == [], (h.side, h.shm_objects())

