"""What the independent rmw_zenoh-style peers (observer.py, service_peer.py) share, written
against eclipse-zenoh and xxhash only: the session an rmw_zenoh node opens and the gid rmw_zenoh
derives from a liveliness token."""

import json
import struct

import xxhash
import zenoh


def gid_of(key):
    """rmw_zenoh's gid: XXH3-128 of the token key, low 64 bits then high 64 bits, LE."""
    h = xxhash.xxh3_128_intdigest(key.encode())
    return struct.pack('<QQ', h & (2 ** 64 - 1), h >> 64)


def open_session(connect):
    """A timestamping peer without multicast scouting, connected to `connect`."""
    config = zenoh.Config()
    config.insert_json5('mode', '"peer"')
    config.insert_json5('scouting/multicast/enabled', 'false')
    config.insert_json5('connect/endpoints', json.dumps([connect]))
    config.insert_json5('timestamping/enabled', 'true')
    return zenoh.open(config)
