"""Services across two hosts through their bridges, both ways: a client on one host calls a
service on the other and gets the response to its own request (several clients, interleaved);
rclpy's parameter client reads and sets a remote node's parameters; each host's graph lists the
other's services; calls stop being possible when the server leaves; nothing is left in either
shm directory."""

import payloads
from hosts import wait_until

DOUBLE = 3  # rcl_interfaces/msg/ParameterType.PARAMETER_DOUBLE


def echoed(srv, seed):
    """The response of the agents' echo service to the request built from seed."""
    request = payloads.canonical(payloads.make(f'test_msgs/srv/{srv}_Request', seed))
    return {**request, '_type': f'test_msgs/srv/{srv}_Response'}


def services_of(agent):
    return {name: types for name, types in agent.graph()['services']}


def test_services_both_ways_and_parameters(hosts):
    a, b = hosts
    bridge_a = a.bridge('--listen', f'tcp/{a.addr}:7447')
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447')

    server_a = a.agent('server_a')
    server_a.service('basic', name='/on_a/basic', type='test_msgs/srv/BasicTypes')
    server_a.service('arrays', name='/on_a/arrays', type='test_msgs/srv/Arrays')
    server_a.node('tuned', name='tuned', ns='/tuning')
    server_a.declare(node='tuned', name='gain', value=1.5)
    server_a.declare(node='tuned', name='label', value='first')
    server_b = b.agent('server_b')
    server_b.service('basic', name='/on_b/basic', type='test_msgs/srv/BasicTypes')

    # Two client processes on B call A's services, one client on A calls B's.
    c1, c2 = b.agent('client_1'), b.agent('client_2')
    for c in (c1, c2):
        c.client('basic', name='/on_a/basic', type='test_msgs/srv/BasicTypes')
        c.client('arrays', name='/on_a/arrays', type='test_msgs/srv/Arrays')
    back = a.agent('client_back')
    back.client('basic', name='/on_b/basic', type='test_msgs/srv/BasicTypes')

    # Graphs: the remote services are listed with their types.
    # (server_b has no clients: the service names its graph lists are servers'.)
    on_b = wait_until("A's services in B's graph", lambda: (
        s := services_of(server_b)) and '/on_a/arrays' in s and '/tuning/tuned/get_parameters' in s
        and s)
    assert on_b['/on_a/basic'] == ['test_msgs/srv/BasicTypes']
    by_node = server_b.graph_by_node(name='server_a', ns='/')
    assert ['/on_a/basic', ['test_msgs/srv/BasicTypes']] in by_node['services']
    wait_until("B's service in A's graph", lambda: '/on_b/basic' in services_of(server_a))

    seeds = {c1: [1, 2, 3], c2: [11, 12, 13]}
    for k in range(3):
        for client, own in seeds.items():
            for srv, name in (('BasicTypes', 'basic'), ('Arrays', 'arrays')):
                assert client.call(name, seed=own[k])['response'] == echoed(srv, own[k])
    assert back.call('basic', seed=7)['response'] == echoed('BasicTypes', 7)
    requests = server_a.requests('basic')['requests']
    assert sorted(r['int32_value'] for r in requests) == sorted(
        payloads.make('test_msgs/srv/BasicTypes_Request', s).int32_value
        for s in seeds[c1] + seeds[c2]), 'each request reached the server exactly once'
    assert len(server_b.requests('basic')['requests']) == 1

    # `hazcat ls` on A counts the calls A's bridge carried in (12 from B's clients).
    (dom,) = a.ls_json()['domains']
    svc = dom['bridge']['services']
    assert {'name': '/on_a/basic', 'type': 'test_msgs/srv/BasicTypes'} in svc['served']
    assert svc['requests_in'] >= 12 and svc['responses_out'] >= 12, svc

    # Parameters of a node on A, from B, through rclpy's parameter client.
    c1.param_client('pc', target='/tuning/tuned')
    assert c1.param('pc', method='get', names=['gain', 'label'])['values'] == [1.5, 'first']
    assert {'gain', 'label', 'use_sim_time'} <= set(c1.param('pc', method='list')['names'])
    (described,) = c1.param('pc', method='describe', names=['gain'])['descriptors']
    assert described['name'] == 'gain' and described['type'] == DOUBLE
    result = c1.param('pc', method='set', values={'gain': 2.5})
    assert result['results'] == [{'successful': True, 'reason': ''}]
    assert server_a.get_local(node='tuned', name='gain')['value'] == 2.5

    # The server leaves: B's graph forgets its services (the listing names a service while a
    # server or a client uses it, and B's clients of /on_a/basic stay).
    server_a.exit()
    wait_until("A's services gone from B's graph",
               lambda: '/server_a/get_parameters' not in services_of(server_b))
    wait_until("server_a gone from B's graph",
               lambda: ('server_a', '/') not in [tuple(n) for n in server_b.graph()['nodes']])
    for ag in (c1, c2, back, server_b):
        ag.exit()
    assert bridge_a.stop() == 0, bridge_a.tail()
    assert bridge_b.stop() == 0, bridge_b.tail()
    assert a.shm_objects() == [] and b.shm_objects() == []


def test_remote_services_without_local_clients_cost_no_queues(hosts):
    """20 nodes on B (7 parameter and type-description services each) are listed on A with their
    services, but A's bridge reads no request queue for them until a local client uses one; the
    client then sees its server available only once the bridge reads its queue, and its call is
    answered."""
    a, b = hosts
    bridge_a = a.bridge('--listen', f'tcp/{a.addr}:7447')
    bridge_b = b.bridge('--connect', f'tcp/{a.addr}:7447')
    many = b.agent('many')
    many.nodes(prefix='n', count=20)
    observer = a.agent('observer')
    wait_until('B\'s services on A', lambda: all(
        f'/n{k}/get_parameters' in services_of(observer) for k in range(20)))
    (dom,) = a.ls_json()['domains']
    assert dom['bridge']['services']['called'] == [], dom['bridge']['services']
    observer.param_client('pc', target='/n7')
    assert 'use_sim_time' in observer.param('pc', method='list')['names']
    (dom,) = a.ls_json()['domains']
    assert {s['name'] for s in dom['bridge']['services']['called']} == {
        '/n7/list_parameters', '/n7/describe_parameters', '/n7/get_parameters',
        '/n7/set_parameters', '/n7/set_parameters_atomically', '/n7/get_parameter_types'}, \
        dom['bridge']['services']['called']
    for ag in (many, observer):
        ag.exit()
    assert bridge_a.stop() == 0, bridge_a.tail()
    assert bridge_b.stop() == 0, bridge_b.tail()
    assert a.shm_objects() == [] and b.shm_objects() == []
