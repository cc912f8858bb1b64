"""The ROS graph as rclpy sees it from another process; a type mismatch on one topic name; many
nodes in one process."""

import payloads
from conftest import INFINITE_NS, wait_until

STRING = 'std_msgs/msg/String'
INT32 = 'std_msgs/msg/Int32'
TALKER_QOS = {'reliability': 'reliable', 'durability': 'transient_local', 'depth': 7,
              'deadline': 1.5, 'lifespan': 2.5, 'liveliness': 'automatic', 'lease': 3.0}


def test_graph_seen_from_another_process(ros):
    talker, listener, observer = ros.agents_of('graph_talker', 'graph_listener', 'observer')
    talker.node('talker', name='talker', ns='/ns1')
    talker.pub('p', node='talker', topic='/chatter', type=STRING, qos=TALKER_QOS)
    talker.service('srv', node='talker', name='echo', type='test_msgs/srv/BasicTypes')
    listener.node('listener', name='listener', ns='/ns2/deep')
    listener.sub('s', node='listener', topic='/chatter', type=STRING,
                 qos={'reliability': 'best_effort'})
    listener.client('c', node='listener', name='/ns1/echo', type='test_msgs/srv/BasicTypes')

    def complete(g):
        per = g['per_topic']['/chatter']
        return (['talker', '/ns1'] in g['nodes'] and ['listener', '/ns2/deep'] in g['nodes']
                and per['publishers'] == 1 and per['subscribers'] == 1
                and len(per['publishers_info']) == 1 and len(per['subscriptions_info']) == 1
                and ['/ns1/echo', ['test_msgs/srv/BasicTypes']] in g['services'])
    g = wait_until(lambda: observer.graph(topics=['/chatter']), complete, what='the graph')

    assert ['/chatter', [STRING]] in g['topics']
    services = dict((name, types) for name, types in g['services'])
    for name in ('get_parameters', 'set_parameters', 'list_parameters', 'describe_parameters'):
        assert services[f'/ns1/talker/{name}'] == [f'rcl_interfaces/srv/{name.title().replace("_", "")}']
        assert f'/ns2/deep/listener/{name}' in services

    (pub,) = g['per_topic']['/chatter']['publishers_info']
    assert (pub['node_name'], pub['node_namespace'], pub['topic_type'], pub['endpoint_type']) \
        == ('talker', '/ns1', STRING, 'PUBLISHER')
    assert {k: pub['qos'][k] for k in ('reliability', 'durability', 'liveliness', 'deadline_ns',
                                       'lifespan_ns', 'lease_ns')} == {
        'reliability': 'reliable', 'durability': 'transient_local', 'liveliness': 'automatic',
        'deadline_ns': 1_500_000_000, 'lifespan_ns': 2_500_000_000, 'lease_ns': 3_000_000_000}
    (sub,) = g['per_topic']['/chatter']['subscriptions_info']
    assert (sub['node_name'], sub['node_namespace'], sub['topic_type'], sub['endpoint_type']) \
        == ('listener', '/ns2/deep', STRING, 'SUBSCRIPTION')
    assert {k: sub['qos'][k] for k in ('reliability', 'durability', 'liveliness')} == {
        'reliability': 'best_effort', 'durability': 'volatile', 'liveliness': 'automatic'}
    assert len(pub['gid']) >= 16 and pub['gid'] != sub['gid']

    by_node = observer.graph_by_node(name='talker', ns='/ns1')
    assert ['/chatter', [STRING]] in by_node['publishers']
    assert ['/ns1/echo', ['test_msgs/srv/BasicTypes']] in by_node['services']
    by_node = observer.graph_by_node(name='listener', ns='/ns2/deep')
    assert ['/chatter', [STRING]] in by_node['subscribers']
    assert ['/ns1/echo', ['test_msgs/srv/BasicTypes']] in by_node['clients']

    # Endpoints and nodes leave the graph with their owners.
    talker.destroy('p')
    wait_until(lambda: observer.graph(topics=['/chatter']),
               lambda g: g['per_topic']['/chatter']['publishers'] == 0, what='no publisher')
    talker.exit()
    listener.destroy('c')  # a client alone keeps a service name in the graph too
    g = wait_until(lambda: observer.graph(),
                   lambda g: ['talker', '/ns1'] not in g['nodes']
                   and '/ns1/echo' not in dict(g['services']), what='talker gone')
    assert ['listener', '/ns2/deep'] in g['nodes']


def test_endpoint_info_reports_default_durations_as_infinite(ros):
    """Endpoints created with the default deadline, lifespan and lease: another process sees
    them infinite (RMW_DURATION_INFINITE), not zero."""
    owner, observer = ros.agents_of('defaults_owner', 'defaults_observer')
    owner.pub('p', topic='/defaults', type=STRING)
    owner.sub('s', topic='/defaults', type=STRING)
    g = wait_until(lambda: observer.graph(topics=['/defaults']),
                   lambda g: len(g['per_topic']['/defaults']['publishers_info']) == 1
                   and len(g['per_topic']['/defaults']['subscriptions_info']) == 1,
                   what='both endpoints')
    for kind in ('publishers_info', 'subscriptions_info'):
        (info,) = g['per_topic']['/defaults'][kind]
        assert {k: info['qos'][k] for k in ('deadline_ns', 'lifespan_ns', 'lease_ns')} == {
            'deadline_ns': INFINITE_NS, 'lifespan_ns': INFINITE_NS, 'lease_ns': INFINITE_NS}, kind


def test_two_types_on_one_topic_name(ros):
    """Two processes use different types on /mixed (String in one, Int32 in the other; each
    publishes and subscribes): each subscription receives exactly the messages of its own type,
    nothing of the other, and nobody crashes. The graph lists both types for the name.
    (One process cannot hold both types on one name under Fast DDS.)"""
    a, b, observer = ros.agents_of('mixed_str', 'mixed_int', 'mixed_observer')
    types = {a: STRING, b: INT32}
    seeds = {a: [1, 2, 3], b: [4, 5, 6]}
    for agent, t in types.items():
        agent.sub('s', topic='/mixed', type=t, qos={'depth': 10})
        agent.pub('p', topic='/mixed', type=t, qos={'depth': 10})
    for agent in types:
        agent.wait_matched('p', count=1)
    for agent in types:
        agent.publish('p', seeds=seeds[agent], wait_acked=True)
    for agent, t in types.items():
        expect = [payloads.canonical(payloads.make(t, s)) for s in seeds[agent]]
        assert agent.wait_msgs('s', count=3)['msgs'] == expect
    g = wait_until(lambda: observer.graph(topics=['/mixed']),
                   lambda g: g['per_topic']['/mixed']['publishers'] == 2
                   and g['per_topic']['/mixed']['subscribers'] == 2, what='both types')
    assert sorted(dict(g['topics'])['/mixed']) == [INT32, STRING]
    infos = g['per_topic']['/mixed']
    for kind in ('publishers_info', 'subscriptions_info'):
        assert sorted(i['topic_type'] for i in infos[kind]) == [INT32, STRING]
    # Still only its own messages, and still one match each, once both saw the whole graph.
    for agent, t in types.items():
        expect = [payloads.canonical(payloads.make(t, s)) for s in seeds[agent]]
        assert agent.msgs('s')['msgs'] == expect
        assert agent.counts('p')['matched'] == 1
        assert agent.counts('s')['matched'] == 1


def test_fifty_nodes_in_one_process(ros):
    """50 nodes in one process, each with a publisher: another process sees every node and
    receives from every publisher; a subscription in the same process does too."""
    n = 50
    many, other = ros.agents_of('many', 'many_observer')
    many.nodes(prefix='n', count=n, ns='/many')
    other.sub('s', topic='/fan', type=INT32, qos={'depth': n, 'history': 'keep_all'})
    many.sub('s', node='n0', topic='/fan', type=INT32, qos={'depth': n, 'history': 'keep_all'})
    for k in range(n):
        many.pub(f'p{k}', node=f'n{k}', topic='/fan', type=INT32)
    g = wait_until(lambda: other.graph(), lambda g: sum(ns == '/many' for _, ns in g['nodes']) == n,
                   what='50 nodes')
    assert sorted(name for name, ns in g['nodes'] if ns == '/many') == sorted(
        f'n{k}' for k in range(n))
    for k in range(n):
        many.wait_matched(f'p{k}', count=2)
        many.publish(f'p{k}', seeds=[k])
    expect = sorted(payloads.make(INT32, k).data for k in range(n))
    for agent in (other, many):
        got = agent.wait_msgs('s', count=n)['msgs']
        assert sorted(m['data'] for m in got) == expect
