"""QoS across processes: keep-last depth, reliability, transient-local late joiners, deadline and
liveliness events, incompatible QoS, a deprecated policy refused."""

import pytest

import payloads
from conftest import HAZCAT, AgentError

T = 'test_msgs/msg/BasicTypes'


def expected(seeds, type_name=T):
    return [payloads.canonical(payloads.make(type_name, s)) for s in seeds]


def test_keep_last_keeps_the_newest_depth_messages(ros):
    """Ten messages published (and acknowledged) before the subscriber takes any: it gets the
    last three, its depth, in order."""
    pub, sub = ros.agents_of('depth_pub', 'depth_sub')
    sub.node('idle', name='depth_idle', spin=False)  # nothing takes until the test says so
    sub.sub('s', node='idle', topic='/depth', type=T, qos={'depth': 3})
    pub.pub('p', topic='/depth', type=T, qos={'depth': 10})
    pub.wait_matched('p', count=1)
    sub.wait_matched('s', count=1)
    pub.publish('p', seeds=list(range(10)), wait_acked=True)
    assert sub.take('s')['msgs'] == expected([7, 8, 9])
    assert sub.take('s')['msgs'] == []


def test_keep_all_delivers_everything(ros):
    pub, sub = ros.agents_of('all_pub', 'all_sub')
    sub.sub('s', topic='/all', type=T, qos={'history': 'keep_all'})
    pub.pub('p', topic='/all', type=T, qos={'history': 'keep_all'})
    pub.wait_matched('p', count=1)
    pub.publish('p', seeds=list(range(40)))
    assert sub.wait_msgs('s', count=40)['msgs'] == expected(range(40))


def assert_in_publish_order(got, first_seed=0):
    """Best effort may drop, but what arrives is intact and in order."""
    seeds = [next(s for s in range(first_seed, first_seed + 1000)
                  if payloads.canonical(payloads.make(T, s)) == m) for m in got]
    assert seeds == sorted(set(seeds)), seeds


def test_best_effort_subscriber_of_reliable_and_best_effort_publishers(ros):
    pubs, sub = ros.agents_of('be_pubs', 'be_sub')
    sub.sub('s', topic='/be', type=T, qos={'reliability': 'best_effort'})
    pubs.pub('rel', topic='/be', type=T, qos={'reliability': 'reliable'})
    pubs.pub('be', topic='/be2', type=T, qos={'reliability': 'best_effort'})
    sub.sub('s2', topic='/be2', type=T, qos={'reliability': 'best_effort'})
    for key in ('rel', 'be'):
        pubs.wait_matched(key, count=1)
        pubs.publish_periodic(key, period=0.02)
    assert_in_publish_order(sub.wait_msgs('s', count=5)['msgs'])
    assert_in_publish_order(sub.wait_msgs('s2', count=5)['msgs'])
    assert sub.events('s').get('incompatible_qos', []) == []


def test_reliable_pair_delivers_in_order(ros):
    pub, sub = ros.agents_of('rel_pub', 'rel_sub')
    sub.sub('s', topic='/rel', type=T, qos={'reliability': 'reliable', 'depth': 100})
    pub.pub('p', topic='/rel', type=T, qos={'reliability': 'reliable', 'depth': 100})
    pub.wait_matched('p', count=1)
    pub.publish('p', seeds=list(range(20)))
    assert sub.wait_msgs('s', count=20)['msgs'] == expected(range(20))


def test_transient_local_late_joiner(ros):
    """A transient-local subscription in a process started after the publishing gets the
    publisher's last `depth` messages; a volatile one gets only what follows its match."""
    pub = ros.agent('tl_pub')
    pub.pub('p', topic='/latched', type=T,
            qos={'durability': 'transient_local', 'depth': 5})
    pub.publish('p', seeds=list(range(7)))
    late, volatile = ros.agents_of('tl_late', 'tl_volatile')
    late.sub('s', topic='/latched', type=T,
             qos={'durability': 'transient_local', 'depth': 10})
    assert late.wait_msgs('s', count=5)['msgs'] == expected(range(2, 7))
    volatile.sub('s', topic='/latched', type=T, qos={'depth': 10})
    pub.wait_matched('p', count=2)
    volatile.wait_matched('s', count=1)
    pub.publish('p', seeds=[7])
    assert volatile.wait_msgs('s', count=1)['msgs'] == expected([7])
    assert late.wait_msgs('s', count=6)['msgs'] == expected(range(2, 8))


def test_deadline_missed_events(ros):
    """A publisher that stops publishing misses its offered deadline; the subscription gets
    QoSRequestedDeadlineMissedInfo, the publisher QoSOfferedDeadlineMissedInfo."""
    pub, sub = ros.agents_of('dl_pub', 'dl_sub')
    sub.sub('s', topic='/deadline', type=T, qos={'deadline': 0.2}, events=['deadline'])
    pub.pub('p', topic='/deadline', type=T, qos={'deadline': 0.1}, events=['deadline'])
    pub.wait_matched('p', count=1)
    pub.publish('p', seeds=[1])
    assert sub.wait_msgs('s', count=1)['msgs'] == expected([1])
    requested = sub.wait_event('s', 'deadline')['events']
    offered = pub.wait_event('p', 'deadline')['events']
    for events, cls in ((requested, 'QoSRequestedDeadlineMissedInfo'),
                        (offered, 'QoSOfferedDeadlineMissedInfo')):
        assert events[0]['_class'] == cls
        assert events[0]['total_count'] >= 1 and events[0]['total_count_change'] >= 1
        counts = [e['total_count'] for e in events]
        assert counts == sorted(counts)


def liveliness_pair(ros, pub_qos):
    pub, sub = ros.agents_of('lv_pub', 'lv_sub')
    sub.sub('s', topic='/alive', type=T, qos={'lease': 2.0}, events=['liveliness'])
    pub.pub('p', topic='/alive', type=T, qos=pub_qos, events=['liveliness'])
    pub.wait_matched('p', count=1)
    pub.publish('p', seeds=[1])
    sub.wait_msgs('s', count=1)
    alive = sub.wait_event('s', 'liveliness', where={'alive_count': 1})['events']
    assert alive[0]['_class'] == 'QoSLivelinessChangedInfo'
    return pub, sub


def test_liveliness_lost_when_the_publisher_process_is_killed(ros):
    pub, sub = liveliness_pair(ros, {'lease': 0.5})
    pub.kill()
    gone = sub.wait_event('s', 'liveliness', where={'alive_count': 0})['events'][-1]
    assert gone['not_alive_count'] + gone['alive_count'] <= 1
    assert gone['alive_count_change'] == -1


def test_liveliness_changed_when_the_publisher_process_exits(ros):
    pub, sub = liveliness_pair(ros, {'lease': 0.5})
    pub.exit()
    gone = sub.wait_event('s', 'liveliness', where={'alive_count': 0})['events'][-1]
    assert gone['alive_count_change'] == -1


def test_manual_liveliness_lost_without_assertion(ros):
    """MANUAL_BY_TOPIC: alive while the publisher publishes or asserts; when it stops, the
    publisher gets LIVELINESS_LOST and the subscription sees it not alive."""
    pub, sub = liveliness_pair(ros, {'liveliness': 'manual_by_topic', 'lease': 0.3})
    lost = pub.wait_event('p', 'liveliness')['events']
    assert lost[0]['_class'] == 'QoSLivelinessLostInfo' and lost[0]['total_count'] >= 1
    sub.wait_event('s', 'liveliness', where={'alive_count': 0, 'not_alive_count': 1})
    pub.assert_liveliness('p')
    sub.wait_event('s', 'liveliness', count=2, where={'alive_count': 1})


def test_incompatible_qos_fires_and_nothing_is_delivered(ros):
    """A best-effort, volatile publisher without deadline and three subscriptions that ask
    for more (reliable; transient local; a deadline): each gets REQUESTED_INCOMPATIBLE_QOS
    naming its policy, the publisher OFFERED_INCOMPATIBLE_QOS three times, and only a compatible
    sentinel subscription in the same process receives."""
    pub, sub = ros.agents_of('iq_pub', 'iq_sub')
    wanted = {'rel': ({'reliability': 'reliable'}, 'RELIABILITY'),
              'dur': ({'reliability': 'best_effort', 'durability': 'transient_local'},
                      'DURABILITY'),
              'dl': ({'reliability': 'best_effort', 'deadline': 1.0}, 'DEADLINE')}
    for key, (qos, _) in wanted.items():
        sub.sub(key, topic='/iq', type=T, qos=qos)
    sub.sub('sentinel', topic='/iq', type=T, qos={'reliability': 'best_effort'})
    pub.pub('p', topic='/iq', type=T, qos={'reliability': 'best_effort'})
    for key, (_, policy) in wanted.items():
        event = sub.wait_event(key, 'incompatible_qos')['events'][-1]
        assert event['_class'] == 'QoSRequestedIncompatibleQoSInfo'
        assert policy in event['last_policy_kind'], (key, event)
    pub.wait_event('p', 'incompatible_qos', where={'total_count': 3})
    pub.wait_matched('p', count=1)
    pub.publish_periodic('p', period=0.02)
    sub.wait_msgs('sentinel', count=5)
    pub.destroy('p.timer')
    assert pub.counts('p')['matched'] == 1
    for key in wanted:
        assert sub.msgs(key)['msgs'] == [], key
        assert sub.counts(key)['matched'] == 0, key


def test_deprecated_manual_by_node_liveliness_is_rejected(ros):
    """RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_NODE (2, which rclpy no longer names) is refused by
    every endpoint kind, as Fast DDS refuses it: creation raises, and the node stays usable."""
    agent = ros.agent('by_node')
    by_node = {'liveliness': 2}
    srv = 'test_msgs/srv/BasicTypes'
    attempts = (('pub', dict(topic='/by_node', type=T)),
                ('sub', dict(topic='/by_node', type=T)),
                ('service', dict(name='/by_node_srv', type=srv)),
                ('client', dict(name='/by_node_srv', type=srv)))
    for op, args in attempts:
        with pytest.raises(AgentError) as failure:
            getattr(agent, op)(op, qos=by_node, **args)
        if HAZCAT:
            assert 'MANUAL_BY_NODE' in str(failure.value), (op, str(failure.value))
    agent.pub('ok', topic='/by_node', type=T, qos={'liveliness': 'manual_by_topic'})
    agent.service('ok_srv', name='/by_node_srv', type=srv)
