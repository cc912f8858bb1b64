"""An independent rmw_zenoh-style service client and server (eclipse-zenoh and xxhash, no bridge
code) that checks how `hazcat bridge` carries services, against rmw_zenoh's wire format: a
service is a complete queryable on `<domain>/<service>/<pkg::srv::dds_::Type_>/<hash>`, a call
is a GET (target ALL_COMPLETE, no consolidation) with the CDR request as payload and the
33-byte attachment (sequence, source timestamp, client gid = XXH3 of its SC token), and the
reply carries the CDR response with the same sequence number and gid.

    python service_peer.py --connect tcp/HOST:7447 --domain D --service /svc --seed-int N

1. Waits for the bridge's SS token of --service (a hazcat echo server behind it), declares
   NN `zenoh_peer` and an SC token for it, and calls it once with sequence 41 and a
   test_msgs/srv/BasicTypes request whose int32 is N; prints "@@" + JSON of the reply.
2. Declares an SS token for `/from_zenoh_svc` (same type) and a queryable that answers each
   request twice, first with a truncated copy, then with the echo (as rmw_zenoh's server
   replies), then prints "@@" + JSON of every query it answered, one line
   each, until stdin closes. Also prints the SC tokens it sees, so the test can check the gid.
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

# test_msgs/srv/BasicTypes request and response: bool, byte, char, float32, float64, int8,
# uint8, int16, uint16, int32, uint32, int64, uint64, aligned as classic CDR after the header,
# then string_value (u32 length with the NUL, the bytes, NUL).
BASIC = '<?BcxfdbBhHxxiIqQ'
TEXT = 'via zenoh'


def encode_basic(*fields):
    text = TEXT.encode() + b'\0'
    return (b'\x00\x01\x00\x00' + struct.pack(BASIC, *fields) + struct.pack('<I', len(text))
            + text)


def decode_basic(body):
    """The fields of a BasicTypes request or response body (CDR header included)."""
    n = struct.calcsize(BASIC)
    fields = list(struct.unpack(BASIC, body[4:4 + n]))
    (length,) = struct.unpack('<I', body[4 + n:8 + n])
    fields[2] = fields[2].decode()
    return fields + [body[8 + n:8 + n + length - 1].decode()]


def attachment(seq, gid):
    return struct.pack('<qq', seq, time.time_ns()) + bytes([16]) + gid


def decode_attachment(raw):
    seq, ts = struct.unpack('<qq', raw[:16])
    return {'seq': seq, 'ts': ts, 'len': len(raw), 'gid_len': raw[16], 'gid': raw[17:].hex()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--connect', required=True)
    ap.add_argument('--domain', type=int, required=True)
    ap.add_argument('--service', required=True)
    ap.add_argument('--seed-int', type=int, required=True)
    ap.add_argument('--timeout', type=float, default=30)
    args = ap.parse_args()
    d = args.domain
    session = open_session(args.connect)
    zid = str(session.zid())
    end = time.monotonic() + args.timeout
    mangled = args.service.replace('/', '%')
    ss_re = re.compile(rf'^@ros2_lv/{d}/[0-9a-f]+/\d+/\d+/SS/%/%/[^/]+/{re.escape(mangled)}/'
                       r'test_msgs::srv::dds_::BasicTypes_/(RIHS01_[0-9a-f]{64})/')
    ss = None
    while ss is None and time.monotonic() < end:
        for r in session.liveliness().get(f'@ros2_lv/{d}/**'):
            if r.ok is not None and ss_re.match(str(r.ok.key_expr)):
                ss = str(r.ok.key_expr)
        if ss is None:
            time.sleep(0.2)
    type_hash = ss_re.match(ss).group(1)
    stype = 'test_msgs::srv::dds_::BasicTypes_'
    qos = '::,10:,:,:,,'
    me = f'@ros2_lv/{d}/{zid}/0'
    sc = f'{me}/1/SC/%/%/zenoh_peer/{mangled}/{stype}/{type_hash}/{qos}'
    tokens = [session.liveliness().declare_token(k)
              for k in (f'{me}/0/NN/%/%/zenoh_peer', sc)]

    # 1. One call, as an rmw_zenoh client makes it.
    request = encode_basic(True, 7, b'x', 1.5, 2.25, -3, 4, -5, 6, args.seed_int, 8, -9, 10)
    key = f'{d}/{args.service.strip("/")}/{stype}/{type_hash}'
    def call(seq, payload):
        replies = []
        call_end = time.monotonic() + args.timeout
        while not replies and time.monotonic() < call_end:
            for r in session.get(key, payload=payload, attachment=attachment(seq, gid_of(sc)),
                                 target=zenoh.QueryTarget.ALL_COMPLETE,
                                 consolidation=zenoh.ConsolidationMode.NONE, timeout=10.0):
                if r.ok is None:
                    replies.append({'error': r.err.payload.to_bytes().decode(errors='replace')})
                    continue
                body = r.ok.payload.to_bytes()
                replies.append({
                    'key': str(r.ok.key_expr),
                    'header': body[:4].hex(),
                    'fields': decode_basic(body),
                    'attachment': decode_attachment(r.ok.attachment.to_bytes())
                    if r.ok.attachment is not None else None,
                })
        return replies

    replies = call(41, request)
    # A truncated request (a hostile or broken peer), then a good one: the server must live on.
    malformed = call(42, request[:20])
    after = call(43, request)
    sent = decode_basic(request)
    print('@@' + json.dumps({'replies': replies, 'sent': sent, 'sc_gid': gid_of(sc).hex(),
                             'key': key, 'malformed': malformed, 'after': after}), flush=True)

    # 2. A server behind Zenoh.
    own_ss = f'{me}/2/SS/%/%/zenoh_peer/%from_zenoh_svc/{stype}/{type_hash}/{qos}'
    served = []

    def on_query(q):
        att = decode_attachment(q.attachment.to_bytes()) if q.attachment is not None else None
        body = q.payload.to_bytes() if q.payload is not None else b''
        served.append({'key': str(q.key_expr), 'attachment': att, 'len': len(body)})
        gid = bytes.fromhex(att['gid']) if att else bytes(16)
        seq = att['seq'] if att else 0
        # A truncated reply first (a broken or hostile server), which the bridge must drop,
        # then the echo.
        q.reply(q.key_expr, body[:-5], attachment=attachment(seq, gid))
        q.reply(q.key_expr, body, attachment=attachment(seq, gid))
        print('@@' + json.dumps({'served': served[-1]}), flush=True)

    queryable = session.declare_queryable(f'{d}/from_zenoh_svc/{stype}/{type_hash}', on_query,
                                          complete=True)
    tokens.append(session.liveliness().declare_token(own_ss))
    # The clients the bridge announces for /from_zenoh_svc, for the gid check.
    seen_sc = []
    while time.monotonic() < end and not seen_sc:
        seen_sc = [str(r.ok.key_expr) for r in session.liveliness().get(
            f'@ros2_lv/{d}/*/*/*/SC/**') if r.ok is not None
            and '/%from_zenoh_svc/' in str(r.ok.key_expr)]
        if not seen_sc:
            time.sleep(0.2)
    print('@@' + json.dumps({'sc_tokens': seen_sc,
                             'sc_gids': [gid_of(t).hex() for t in seen_sc]}), flush=True)
    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()
    closed.wait(args.timeout * 2)
    del queryable, tokens
    session.close()


if __name__ == '__main__':
    main()
