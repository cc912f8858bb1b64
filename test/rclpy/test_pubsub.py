"""Publish/subscribe across processes: every field kind of test_msgs, std_msgs, a 16 MiB message.

Every value is compared exactly: the subscriber process reports what it received in canonical form
and the test builds the expected messages itself (payloads.make with the same seeds).
"""

import payloads

TEST_MSGS = ['BasicTypes', 'Arrays', 'BoundedPlainSequences', 'BoundedSequences',
             'UnboundedSequences', 'Nested', 'Strings', 'WStrings', 'Builtins', 'MultiNested',
             'Defaults', 'Constants', 'Empty']
STD_MSGS = ['String', 'Header', 'Int64', 'Bool', 'ColorRGBA', 'Float64MultiArray',
            'UInt8MultiArray']
SEEDS = [1, 2, 3]


def expected(type_name, seeds):
    return [payloads.canonical(payloads.make(type_name, s)) for s in seeds]


def exchange_every_type(ros, type_names):
    """One topic per type between two processes; returns {type: (received, expected)} for the
    types whose messages differ."""
    pub, sub = ros.agents_of('typed_pub', 'typed_sub')
    for k, t in enumerate(type_names):
        sub.sub(f's{k}', topic=f'/typed/t{k}', type=t, qos={'depth': 10})
        pub.pub(f'p{k}', topic=f'/typed/t{k}', type=t, qos={'depth': 10})
    for k in range(len(type_names)):
        pub.wait_matched(f'p{k}', count=1)
        sub.wait_matched(f's{k}', count=1)
        pub.publish(f'p{k}', seeds=SEEDS)
    wrong = {}
    for k, t in enumerate(type_names):
        got = sub.wait_msgs(f's{k}', count=len(SEEDS))['msgs']
        if got != expected(t, SEEDS):
            wrong[t] = (got, expected(t, SEEDS))
    return wrong


def test_every_test_msgs_type_crosses_processes(ros):
    assert exchange_every_type(ros, [f'test_msgs/msg/{t}' for t in TEST_MSGS]) == {}


def test_std_msgs_types_cross_processes(ros):
    assert exchange_every_type(ros, [f'std_msgs/msg/{t}' for t in STD_MSGS]) == {}


def test_16_mib_message(ros):
    size = 16 << 20
    pub, sub = ros.agents_of('big_pub', 'big_sub')
    sub.sub('s', topic='/big', type='std_msgs/msg/UInt8MultiArray', qos={'depth': 2})
    pub.pub('p', topic='/big', type='std_msgs/msg/UInt8MultiArray', qos={'depth': 2})
    pub.wait_matched('p', count=1)
    sub.wait_matched('s', count=1)
    pub.publish('p', seeds=[7, 8], size=size, timeout=60)
    got = sub.wait_msgs('s', count=2, timeout=60)['msgs']
    assert got == [payloads.canonical(payloads.make_bytes(size, s)) for s in (7, 8)]
    assert got[0]['data']['len'] == size
