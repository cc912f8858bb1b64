"""An independent rmw_zenoh-style Zenoh participant that checks what `hazcat bridge` puts on
the wire, written against Zenoh's own Python API (eclipse-zenoh) and the `xxhash` package, not
the bridge's code.

    python observer.py --connect tcp/HOST:7447 --domain D --node NODE --samples N

1. Waits (liveliness GET) for NODE's NN token and its MP token on /chatter, as a bridge
   announces them.
2. Declares its own tokens as an rmw_zenoh node would: NN for node `hazcat_observer`, MS on
   /chatter (type and hash taken from the MP token), MP on /from_zenoh (std_msgs/String).
   The MS token is what makes the bridge forward /chatter. Also NN `other_domain` and its MP on
   /from_zenoh in domain D+1, which the bridge must not mirror.
3. Records N /chatter samples (everything Zenoh exposes about each) and the congestion control
   of 3 samples of NODE's /chatter_all (reliable, keep-all: BLOCK), then prints one line
   "@@" + JSON: the tokens, the samples and the gid expected from the MP token (XXH3-128 of
   the key, low64 LE then high64 LE).
4. Until stdin closes, puts std_msgs/String "from zenoh <i>" samples on /from_zenoh every
   50 ms, each with an rmw_zenoh attachment (sequence from 1, source timestamp, gid of its MP
   token), so a hazcat subscriber behind the bridge can receive them, each preceded by a
   truncated copy that the bridge must drop; and "other domain <i>"
   on domain D+1's /from_zenoh key, which must not reach it.
"""

import argparse
import json
import re
import struct
import sys
import threading
import time

import zenoh

from zenoh_peer import gid_of, open_session

STRING_TYPE = 'std_msgs::msg::dds_::String_'


def cdr_string(text):
    data = text.encode() + b'\0'
    return b'\x00\x01\x00\x00' + struct.pack('<I', len(data)) + data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--connect', required=True)
    ap.add_argument('--domain', type=int, required=True)
    ap.add_argument('--node', required=True)
    ap.add_argument('--samples', type=int, default=5)
    ap.add_argument('--timeout', type=float, default=30)
    args = ap.parse_args()
    d = args.domain
    session = open_session(args.connect)
    zid = str(session.zid())
    end = time.monotonic() + args.timeout

    # 1. The bridge's tokens for NODE.
    nn_re = re.compile(rf'^@ros2_lv/{d}/[0-9a-f]+/\d+/\d+/NN/%/%/{args.node}$')
    mp_re = re.compile(rf'^@ros2_lv/{d}/[0-9a-f]+/\d+/\d+/MP/%/%/{args.node}/%chatter/')
    tokens = []
    while time.monotonic() < end:
        tokens = [str(r.ok.key_expr) for r in session.liveliness().get(f'@ros2_lv/{d}/**')
                  if r.ok is not None]
        if any(nn_re.match(t) for t in tokens) and any(mp_re.match(t) for t in tokens):
            break
        time.sleep(0.2)
    mp = next(t for t in tokens if mp_re.match(t))
    parts = mp.split('/')
    chatter_type, chatter_hash = parts[10], parts[11]

    # 2. Our own tokens; first a node and publisher of the next domain, which the bridge must
    #    ignore (tokens of one session arrive in order: once hazcat_observer is seen, so was it).
    other = f'@ros2_lv/{d + 1}/{zid}/1'
    own = [f'{other}/3/NN/%/%/other_domain',
           f'{other}/4/MP/%/%/other_domain/%from_zenoh/{STRING_TYPE}/{chatter_hash}/::,10:,:,:,,']
    me = f'@ros2_lv/{d}/{zid}/0'
    own += [f'{me}/0/NN/%/%/hazcat_observer',
           f'{me}/1/MS/%/%/hazcat_observer/%chatter/{chatter_type}/{chatter_hash}/::,10:,:,:,,',
           f'{me}/2/MP/%/%/hazcat_observer/%from_zenoh/{STRING_TYPE}/{chatter_hash}/::,10:,:,:,,',
           f'{me}/5/MS/%/%/hazcat_observer/%chatter_all/{chatter_type}/{chatter_hash}/::,10:,:,:,,']
    held = [session.liveliness().declare_token(k) for k in own]

    # 3. N samples of /chatter.
    samples = []
    got = threading.Condition()

    def on_sample(s):
        with got:
            samples.append({
                'key': str(s.key_expr),
                'kind': str(s.kind),
                'encoding': str(s.encoding),
                'congestion_control': str(s.congestion_control),
                'priority': str(s.priority),
                'express': bool(s.express),
                'timestamp_id': str(s.timestamp.get_id()) if s.timestamp else None,
                'source_info': None if s.source_info is None else str(s.source_info),
                'payload': s.payload.to_bytes().hex(),
                'attachment': None if s.attachment is None else s.attachment.to_bytes().hex(),
            })
            got.notify_all()

    # /chatter_all (RELIABLE + KEEP_ALL, if NODE publishes it): only the congestion control.
    keep_all = []

    def on_keep_all(s):
        with got:
            keep_all.append(str(s.congestion_control))
            got.notify_all()

    data_key = f'{d}/chatter/{chatter_type}/{chatter_hash}'
    sub = session.declare_subscriber(data_key, on_sample)
    sub_all = session.declare_subscriber(f'{d}/chatter_all/{chatter_type}/{chatter_hash}',
                                         on_keep_all)
    with got:
        while ((len(samples) < args.samples or len(keep_all) < 3)
               and time.monotonic() < end):
            got.wait(0.2)
    del sub, sub_all
    print('@@' + json.dumps({
        'zid': zid, 'tokens': tokens, 'mp_token': mp, 'data_key': data_key,
        'expected_gid': gid_of(mp).hex(), 'samples': samples[:args.samples],
        'keep_all_congestion_control': keep_all[:3],
        'now_ns': time.time_ns(),
    }), flush=True)

    # 4. Publish until stdin closes.
    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()
    pubs = [(session.declare_publisher(f'{dom}/from_zenoh/{STRING_TYPE}/{chatter_hash}',
                                       congestion_control=zenoh.CongestionControl.DROP),
             gid_of(token), text)
            for dom, token, text in ((d, own[4], 'from zenoh'), (d + 1, own[1], 'other domain'))]
    seq = 0
    while not closed.is_set() and time.monotonic() < end + args.timeout:
        seq += 1
        for pub, gid, text in pubs:
            attachment = struct.pack('<qq', seq, time.time_ns()) + bytes([16]) + gid
            # First a hostile one: its string length claims more bytes than follow. The bridge
            # must drop it (a subscriber's take would fail on it).
            pub.put(cdr_string(f'{text} {seq}')[:-4], attachment=attachment)
            pub.put(cdr_string(f'{text} {seq}'), attachment=attachment)
        closed.wait(0.05)
    del pubs, held
    session.close()


if __name__ == '__main__':
    main()
