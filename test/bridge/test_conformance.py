"""What `hazcat bridge` declares and puts, read by an independent rmw_zenoh-style participant
(observer.py: eclipse-zenoh and xxhash, no bridge code) on the other host, and checked against
the observed rmw_zenoh_cpp wire format (shared/reference/rmw_zenoh_wire.md): token keys, data
key, sample options, the 33-byte attachment (sequence, timestamp, gid = XXH3 of the MP token),
the CDR payload. The observer's own tokens and samples, made as rmw_zenoh makes them, must in
turn reach hazcat nodes behind the bridge, and those of another ROS domain must not."""

import json
import os
import re
import struct

import pytest

import payloads
from hosts import DOMAIN, STRING, wait_until

OBSERVER_PY = os.environ.get('HAZCAT_ZENOH_PYTHON', '')
STRING_HASH = 'RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18'


@pytest.mark.skipif(not os.path.isfile(OBSERVER_PY),
                    reason='HAZCAT_ZENOH_PYTHON (a Python with eclipse-zenoh and xxhash, '
                           'scripts/ros_venv.sh zenoh) not given')
def test_wire_format_seen_by_an_rmw_zenoh_style_peer(hosts):
    a, b = hosts
    bridge = a.bridge('--listen', f'tcp/{a.addr}:7447')
    talker = a.agent('talker')
    talker.pub('chat', topic='/chatter', type=STRING, qos={'depth': 7})
    talker.publish_periodic('chat', period=0.05)
    talker.pub('all', topic='/chatter_all', type=STRING, qos={'history': 'keep_all'})
    talker.publish_periodic('all', period=0.05)
    listener = a.agent('listener')
    listener.sub('in', topic='/from_zenoh', type=STRING)

    env = {k: v for k, v in b.bridge_env.items() if k != 'LD_LIBRARY_PATH'}
    obs = b.run([OBSERVER_PY, os.path.join(os.path.dirname(__file__), 'observer.py'),
                 '--connect', f'tcp/{a.addr}:7447', '--domain', str(DOMAIN),
                 '--node', 'talker', '--samples', '10'], env, 'observer')
    _, line = obs.wait_line(lambda s: s.startswith('@@'), timeout=60)
    seen = json.loads(line[2:])
    zid = bridge.zid
    z = re.escape(zid)

    # Tokens: the node and its /chatter publisher, under the bridge's zid, exactly formatted.
    mine = [t for t in seen['tokens'] if t.startswith(f'@ros2_lv/{DOMAIN}/{zid}/')]
    assert any(re.fullmatch(rf'@ros2_lv/{DOMAIN}/{z}/\d+/\d+/NN/%/%/talker', t) for t in mine)
    mp = seen['mp_token']
    assert re.fullmatch(rf'@ros2_lv/{DOMAIN}/{z}/(\d+)/(\d+)/MP/%/%/talker/%chatter/'
                        rf'std_msgs::msg::dds_::String_/{STRING_HASH}/::,7:,:,:,,', mp), mp
    rosout = [t for t in mine if '/%rosout/' in t]
    assert rosout and all(t.endswith(
        '/rcl_interfaces::msg::dds_::Log_/RIHS01_e28ce254ca8abc06abf92773b74602cdbf116ed34fbaf2'
        '94fb9f81da9f318eac/:1:,1000:,:10,0:,,') for t in rosout), rosout
    # Entity ids are unique in the session; node ids tie endpoints to their node.
    eids = [t.split('/')[4] for t in mine]
    assert len(eids) == len(set(eids)), mine

    # Samples.
    samples = seen['samples']
    assert len(samples) == 10, seen
    seqs = []
    texts = []
    for s in samples:
        assert s['key'] == f'{DOMAIN}/chatter/std_msgs::msg::dds_::String_/{STRING_HASH}'
        assert s['kind'] == 'SampleKind.PUT'
        assert s['encoding'] == 'zenoh/bytes'
        assert s['congestion_control'] == 'CongestionControl.DROP'
        assert s['priority'] == 'Priority.DATA'
        assert s['express'] is False
        assert s['source_info'] is None
        assert s['timestamp_id'] == zid
        att = bytes.fromhex(s['attachment'])
        assert len(att) == 33
        seq, ts = struct.unpack('<qq', att[:16])
        assert att[16] == 0x10
        assert att[17:].hex() == seen['expected_gid']
        assert abs(seen['now_ns'] - ts) < 60e9
        seqs.append(seq)
        body = bytes.fromhex(s['payload'])
        assert body[:4] == b'\x00\x01\x00\x00'
        (n,) = struct.unpack('<I', body[4:8])
        assert len(body) == 8 + n and body[-1] == 0, body
        texts.append(body[8:-1].decode())
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
    # As rmw_zenoh: BLOCK for RELIABLE + KEEP_ALL publishers only.
    assert seen['keep_all_congestion_control'] == ['CongestionControl.BLOCK'] * 3, seen
    assert seqs[0] >= 1
    # The strings are those the talker published, in order.
    sent = {payloads.make(STRING, k).data: k for k in range(5000)}
    ks = [sent[t] for t in texts]
    assert ks == list(range(ks[0], ks[0] + len(ks))), ks

    # The other way: the observer's rmw_zenoh-style node and samples reach hazcat.
    wait_until('observer node in A\'s graph',
               lambda: ['hazcat_observer', '/'] in listener.graph()['nodes'])
    got = listener.wait_msgs('in', count=5)['msgs']
    texts = [m['data'].rsplit(' ', 1) for m in got]
    # Only domain 42's samples and tokens: domain 43's node and /from_zenoh never show up.
    assert {t for t, _ in texts} == {'from zenoh'}, texts
    nums = [int(n) for _, n in texts]
    assert nums == list(range(nums[0], nums[0] + len(nums))), nums
    assert ['other_domain', '/'] not in listener.graph()['nodes']
    obs.proc.stdin.close()
    assert obs.proc.wait(30) == 0, obs.tail()
    talker.exit()
    listener.exit()
    assert bridge.stop() == 0, bridge.tail()
    assert a.shm_objects() == []


@pytest.mark.skipif(not os.path.isfile(OBSERVER_PY),
                    reason='HAZCAT_ZENOH_PYTHON (a Python with eclipse-zenoh and xxhash, '
                           'scripts/ros_venv.sh zenoh) not given')
def test_services_as_an_rmw_zenoh_style_peer_sees_them(hosts):
    """service_peer.py (eclipse-zenoh, no bridge code) calls a hazcat service through the bridge
    as an rmw_zenoh client does, and serves a service that a hazcat client calls: request ids
    (sequence, client gid) are preserved both ways, payloads are CDR."""
    a, b = hosts
    bridge = a.bridge('--listen', f'tcp/{a.addr}:7447')
    server = a.agent('server')
    server.service('s', name='/svc', type='test_msgs/srv/BasicTypes')
    env = {k: v for k, v in b.bridge_env.items() if k != 'LD_LIBRARY_PATH'}
    peer = b.run([OBSERVER_PY, os.path.join(os.path.dirname(__file__), 'service_peer.py'),
                  '--connect', f'tcp/{a.addr}:7447', '--domain', str(DOMAIN),
                  '--service', '/svc', '--seed-int', '1234'], env, 'service_peer')
    i, line = peer.wait_line(lambda s: s.startswith('@@'), timeout=60)
    call = json.loads(line[2:])
    # The hazcat server answered once, with its echo of the request, and the reply names the
    # call as rmw_zenoh's server does: same sequence number and client gid.
    assert len(call['replies']) == 1, call
    (reply,) = call['replies']
    assert reply['key'] == call['key']
    assert reply['header'] == '00010000'
    assert reply['fields'] == call['sent'], reply
    att = reply['attachment']
    assert att['len'] == 33 and att['gid_len'] == 16
    assert att['seq'] == 41 and att['gid'] == call['sc_gid'], att
    # A truncated request gets an error reply naming it, and never reaches the server, which
    # then answers the next call.
    assert [r.get('error', '') for r in call['malformed']] == [call['malformed'][0]['error']]
    assert call['malformed'][0]['error'].startswith('malformed request'), call['malformed']
    assert [r['attachment']['seq'] for r in call['after']] == [43], call['after']
    assert [r['int32_value'] for r in server.requests('s')['requests']] == [1234, 1234]

    # The other way: a hazcat client calls the peer's service through the bridge.
    client = a.agent('client')
    client.client('c', name='/from_zenoh_svc', type='test_msgs/srv/BasicTypes')
    response = client.call('c', seed=3)['response']
    assert response == {**payloads.canonical(
        payloads.make('test_msgs/srv/BasicTypes_Request', 3)),
        '_type': 'test_msgs/srv/BasicTypes_Response'}
    got = {}
    j = i
    while not ('served' in got and 'sc_tokens' in got):
        j, line = peer.wait_line(lambda s: s.startswith('@@'), start=j + 1)
        got.update(json.loads(line[2:]))
    served = got['served']
    # The truncated reply sent before the echo was dropped by the bridge, with a warning.
    wait_until('the truncated reply refused',
               lambda: 'malformed response of /from_zenoh_svc' in bridge.tail(400))
    assert served['attachment']['len'] == 33 and served['attachment']['seq'] >= 1
    # The gid of the call is the one of the client's SC token, as the bridge announced it.
    assert got['sc_gids'] == [served['attachment']['gid']], got
    assert re.fullmatch(rf'@ros2_lv/{DOMAIN}/{re.escape(bridge.zid)}/\d+/\d+/SC/%/%/client/'
                        r'%from_zenoh_svc/test_msgs::srv::dds_::BasicTypes_/RIHS01_[0-9a-f]{64}/'
                        r'::,10:,:,:,,', got['sc_tokens'][0]), got
    peer.proc.stdin.close()
    assert peer.proc.wait(30) == 0, peer.tail()
    client.exit()
    server.exit()
    assert bridge.stop() == 0, bridge.tail()
    assert a.shm_objects() == []
