"""Deterministic message contents and a comparable ("canonical") form of any ROS message.

Shared by the node process (agent.py), which builds and publishes messages and reports what it
received, and by the tests, which build the same messages locally and compare. No rclpy import:
only the generated message classes and their SLOT_TYPES introspection.

make(type_name, seed) fills EVERY field of a message from its IDL description, so each field kind
(each basic type, bounded and unbounded strings and wide strings, fixed arrays, bounded and
unbounded sequences, nested messages at any depth) carries a value that depends on the seed and on
the field's path. Values are exact in their wire type (floats are multiples of 1/4), so equality
after a round trip is exact.
"""

import array
import hashlib
import importlib
import zlib

from rosidl_parser import definition as idl

# A sequence longer than this is reported as its length and digest instead of its elements.
DIGEST_OVER = 4096

INT_RANGES = {
    'int8': (-(2 ** 7), 2 ** 7), 'uint8': (0, 2 ** 8), 'char': (0, 2 ** 8),
    'int16': (-(2 ** 15), 2 ** 15), 'uint16': (0, 2 ** 16),
    'int32': (-(2 ** 31), 2 ** 31), 'uint32': (0, 2 ** 32),
    'int64': (-(2 ** 63), 2 ** 63), 'uint64': (0, 2 ** 64),
}


def msg_class(type_name):
    """'pkg/msg/Name' (or 'pkg/srv/Name') -> the generated class."""
    pkg, kind, name = type_name.split('/')
    return getattr(importlib.import_module(f'{pkg}.{kind}'), name)


def type_name_of(cls):
    module = cls.__module__.split('.')
    return f'{module[0]}/{module[1]}/{cls.__name__}'


def _h(seed, path):
    return zlib.crc32(f'{seed}:{path}'.encode())


def _basic(typename, h):
    if typename == 'boolean':
        return h % 2 == 1
    if typename == 'octet':
        return bytes([h % 256])
    if typename in ('float', 'double'):
        return float(h % 100000) / 4.0 - 1000.0
    if typename == 'wchar':
        return chr(0x3b1 + h % 20)
    lo, hi = INT_RANGES[typename]
    # Spread over the whole range, ends included, so sign and width errors show.
    return lo + (h * 2654435761) % (hi - lo) if h % 7 else (hi - 1 if h % 2 else lo)


def _string(h, limit, wide):
    text = f'str{h}-' + ('\u00e9\u20ac\u03a9' if wide else 'ascii~')
    return text[:limit] if limit else text


def _value(t, seed, path):
    h = _h(seed, path)
    if isinstance(t, idl.BasicType):
        return _basic(t.typename, h)
    if isinstance(t, (idl.UnboundedString, idl.BoundedString)):
        return _string(h, getattr(t, 'maximum_size', None), False)
    if isinstance(t, (idl.UnboundedWString, idl.BoundedWString)):
        return _string(h, getattr(t, 'maximum_size', None), True)
    if isinstance(t, idl.NamespacedType):
        return make('/'.join([*t.namespaces, t.name]), seed, path)
    if isinstance(t, idl.Array):
        n = t.size
    elif isinstance(t, idl.BoundedSequence):
        n = 1 + h % t.maximum_size
    elif isinstance(t, idl.UnboundedSequence):
        n = 1 + h % 5
    else:
        raise TypeError(f'unhandled IDL type {t!r} at {path}')
    return [_value(t.value_type, seed, f'{path}[{k}]') for k in range(n)]


def make(type_name, seed, path=''):
    """A message of type_name with every field set from seed (deterministic)."""
    cls = msg_class(type_name)
    msg = cls()
    for field, t in zip(cls.get_fields_and_field_types(), cls.SLOT_TYPES):
        setattr(msg, field, _value(t, seed, f'{path}.{field}'))
    return msg


def make_bytes(size, seed):
    """A std_msgs/UInt8MultiArray of `size` bytes (a fast path for big payloads)."""
    msg = msg_class('std_msgs/msg/UInt8MultiArray')()
    block = hashlib.sha256(f'{seed}'.encode()).digest() * 1024
    reps = -(-size // len(block))
    msg.data = array.array('B', (block * reps)[:size])
    msg.layout.data_offset = seed
    return msg


def _digest(raw, n):
    return {'len': n, 'sha256': hashlib.sha256(raw).hexdigest()}


def canonical(value):
    """A JSON-able form of a message (or field value), equal iff the values are equal."""
    if hasattr(value, 'get_fields_and_field_types'):
        return {'_type': type_name_of(type(value)),
                **{f: canonical(getattr(value, f)) for f in value.get_fields_and_field_types()}}
    if isinstance(value, array.array):
        if len(value) > DIGEST_OVER:
            return _digest(value.tobytes(), len(value))
        return value.tolist()
    if hasattr(value, 'tolist') and hasattr(value, 'dtype'):  # numpy array or scalar
        if getattr(value, 'size', 0) > DIGEST_OVER:
            return _digest(value.tobytes(), int(value.size))
        return value.tolist()
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    if isinstance(value, (list, tuple)):
        return [canonical(x) for x in value]
    return value


def from_dict(cls, fields):
    """A message of class cls with the given fields (nested messages given as dicts)."""
    msg = cls()
    slots = dict(zip(cls.get_fields_and_field_types(), cls.SLOT_TYPES))
    for field, value in fields.items():
        t = slots[field]
        inner = getattr(t, 'value_type', t)
        if isinstance(inner, idl.NamespacedType):
            sub = msg_class('/'.join([*inner.namespaces, inner.name]))
            value = ([from_dict(sub, v) for v in value] if inner is not t
                     else from_dict(sub, value))
        setattr(msg, field, value)
    return msg
