"""Processes that end: orderly shutdown leaves nothing behind; a SIGKILLed process does not stop
the others."""

import getpass
import os

import payloads
from conftest import hazcat_only, wait_until

T = 'test_msgs/msg/BasicTypes'
SRV = 'test_msgs/srv/BasicTypes'


def canon(seeds):
    return [payloads.canonical(payloads.make(T, s)) for s in seeds]


def only(got, seeds):
    """The messages of `got` that are among those built from `seeds`, in arrival order."""
    wanted = canon(seeds)
    return [m for m in got if m in wanted]


def test_sigkill_survivors_continue(ros):
    """A process with a publisher, two subscriptions (one never taken from, holding messages),
    a service and a client is killed with SIGKILL in the middle of the traffic. The survivors
    keep publishing, receiving and calling; the dead process leaves their matches and the graph;
    a process started afterwards joins the same topics."""
    source, sink, victim, observer = ros.agents_of('source', 'sink', 'victim', 'observer')
    source.service('srv', name='/work', type=SRV)
    victim.service('srv', name='/victim_work', type=SRV)
    victim.client('c', name='/work', type=SRV)
    victim.node('idle', name='victim_idle', spin=False)
    victim.sub('held', node='idle', topic='/stream', type=T, qos={'depth': 5})
    victim.sub('s', topic='/stream', type=T, qos={'depth': 5})
    sink.sub('s', topic='/stream', type=T, qos={'history': 'keep_all'})
    sink.client('c', name='/work', type=SRV)
    source.pub('p', topic='/stream', type=T, qos={'history': 'keep_all'})
    victim.pub('p', topic='/stream', type=T, qos={'depth': 5})
    source.wait_matched('p', count=3)
    victim.wait_matched('p', count=3)

    source.publish('p', seeds=range(10), wait_acked=True)
    assert only(sink.wait_msgs('s', count=10)['msgs'], range(10)) == canon(range(10))
    assert victim.call('c', seed=1)['response']['int32_value'] == payloads.make(
        f'{SRV}_Request', 1).int32_value
    victim.publish_periodic('p', period=0.01, first_seed=1000)
    sink.wait_msgs('s', count=12)  # the victim's stream is flowing
    victim.kill()

    source.wait_matched('p', count=1, exact=True)
    sink.wait_matched('s', count=1, exact=True)
    wait_until(lambda: observer.graph(topics=['/stream']),
               lambda g: g['per_topic']['/stream']['subscribers'] == 1
               and g['per_topic']['/stream']['publishers'] == 1
               and ['victim', '/'] not in g['nodes'] and '/victim_work' not in dict(g['services']),
               what='the victim gone from the graph')

    # More than the victim's queues could ever hold: nothing waits for the dead.
    source.publish('p', seeds=range(10, 60), wait_acked=True)
    got = wait_until(lambda: only(sink.msgs('s')['msgs'], range(60)),
                     lambda g: len(g) >= 60, what='60 messages')
    assert got == canon(range(60))
    assert sink.call('c', seed=2)['response']['int32_value'] == payloads.make(
        f'{SRV}_Request', 2).int32_value

    late = ros.agent('late')
    late.sub('s', topic='/stream', type=T, qos={'depth': 10})
    source.wait_matched('p', count=2, exact=True)
    source.publish('p', seeds=[60, 61])
    assert only(late.wait_msgs('s', count=2)['msgs'], [60, 61]) == canon([60, 61])


@hazcat_only
def test_shutdown_leaves_the_shm_dir_empty(ros):
    """While processes run, hazcat's objects are in the test's private directory (none for this
    domain in /dev/shm); after every process shut down in order, the directory is empty."""
    a, b, c = ros.agents_of('shut_a', 'shut_b', 'shut_c')
    a.pub('p', topic='/shut', type=T, qos={'durability': 'transient_local'})
    a.publish('p', seeds=[1, 2])
    b.sub('s', topic='/shut', type=T, qos={'durability': 'transient_local'})
    c.service('srv', name='/shut_srv', type=SRV)
    b.client('c', name='/shut_srv', type=SRV)
    assert b.wait_msgs('s', count=2)['msgs'] == canon([1, 2])
    b.call('c', seed=3)
    objects = ros.shm_objects()
    prefix = f'hazcat_{os.getuid()}_{ros.domain_id}_'
    assert any(o.startswith(prefix) for o in objects), objects
    assert not [o for o in os.listdir('/dev/shm') if o.startswith(prefix)], getpass.getuser()
    for agent in (c, a, b):
        agent.exit()
    assert ros.shm_objects() == []


@hazcat_only
def test_leftovers_of_killed_processes_are_removed(ros):
    """Every process of the domain killed: their objects stay; the next process to join the
    domain removes them, and once it shut down the directory is empty."""
    a, b = ros.agents_of('doomed_a', 'doomed_b')
    a.pub('p', topic='/doomed', type=T)
    b.sub('s', topic='/doomed', type=T)
    a.wait_matched('p', count=1)
    a.publish('p', seeds=[1])
    b.wait_msgs('s', count=1)
    a.kill()
    b.kill()
    assert ros.shm_objects() != []
    ros.agent('cleaner').exit()
    assert ros.shm_objects() == []
