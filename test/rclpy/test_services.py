"""Services and clients across processes, and parameters through rclpy's parameter services."""

import payloads

DOUBLE = 3  # rcl_interfaces/msg/ParameterType.PARAMETER_DOUBLE


def echoed(srv, seed):
    """The response of the agents' echo service to the request built from seed."""
    request = payloads.canonical(payloads.make(f'test_msgs/srv/{srv}_Request', seed))
    return {**request, '_type': f'test_msgs/srv/{srv}_Response'}


def test_service_answers_each_client_process(ros):
    """Two client processes call one server process; every response reaches the client that
    asked, with the values it sent (BasicTypes and Arrays services)."""
    server, c1, c2 = ros.agents_of('server', 'client_a', 'client_b')
    for srv in ('BasicTypes', 'Arrays'):
        server.service(srv, name=f'/svc/{srv}', type=f'test_msgs/srv/{srv}')
    for client in (c1, c2):
        for srv in ('BasicTypes', 'Arrays'):
            client.client(srv, name=f'/svc/{srv}', type=f'test_msgs/srv/{srv}')
    seeds = {c1: [1, 2, 3], c2: [11, 12, 13]}
    for k in range(3):
        for client, own in seeds.items():
            for srv in ('BasicTypes', 'Arrays'):
                assert client.call(srv, seed=own[k])['response'] == echoed(srv, own[k])
    requests = server.requests('BasicTypes')['requests']
    assert sorted(r['int32_value'] for r in requests) == sorted(
        payloads.make('test_msgs/srv/BasicTypes_Request', s).int32_value
        for s in seeds[c1] + seeds[c2])


def test_client_of_a_server_that_comes_later(ros):
    """A client created before any server waits (service_is_ready) and is then answered."""
    client = ros.agent('early_client')
    client.client('c', name='/late_svc', type='test_msgs/srv/BasicTypes')
    server = ros.agent('late_server')
    server.service('s', name='/late_svc', type='test_msgs/srv/BasicTypes')
    assert client.call('c', seed=5)['response'] == echoed('BasicTypes', 5)


def test_parameters_through_rclpy(ros):
    """A node with declared parameters; another process reads and changes them with rclpy's
    AsyncParameterClient and with plain calls of /ns/node/get_parameters and set_parameters."""
    owner, user = ros.agents_of('owner', 'user')
    owner.node('tuned', name='tuned', ns='/tuning')
    owner.declare(node='tuned', name='gain', value=1.5)
    owner.declare(node='tuned', name='label', value='first')
    owner.declare(node='tuned', name='flags', value=[True, False, True])

    user.param_client('pc', target='/tuning/tuned')
    assert user.param('pc', method='get', names=['gain', 'label', 'flags'])['values'] == [
        1.5, 'first', [True, False, True]]
    assert {'gain', 'label', 'flags', 'use_sim_time'} <= set(
        user.param('pc', method='list')['names'])
    (described,) = user.param('pc', method='describe', names=['gain'])['descriptors']
    assert described['name'] == 'gain' and described['type'] == DOUBLE

    result = user.param('pc', method='set', values={'gain': 2.5, 'label': 'second'})
    assert [r['successful'] for r in result['results']] == [True, True]
    assert owner.get_local(node='tuned', name='gain')['value'] == 2.5
    assert owner.get_local(node='tuned', name='label')['value'] == 'second'
    assert user.param('pc', method='get', names=['gain'])['values'] == [2.5]

    # The same services called directly, as any ROS client would.
    user.client('get', name='/tuning/tuned/get_parameters',
                type='rcl_interfaces/srv/GetParameters')
    user.client('set', name='/tuning/tuned/set_parameters',
                type='rcl_interfaces/srv/SetParameters')
    (value,) = user.call('get', request={'names': ['gain']})['response']['values']
    assert value['type'] == DOUBLE and value['double_value'] == 2.5
    response = user.call('set', request={'parameters': [
        {'name': 'gain', 'value': {'type': DOUBLE, 'double_value': 4.25}},
        {'name': 'undeclared', 'value': {'type': DOUBLE, 'double_value': 1.0}}]})['response']
    assert [r['successful'] for r in response['results']] == [True, False]
    assert owner.get_local(node='tuned', name='gain')['value'] == 4.25
