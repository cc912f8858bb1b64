"""One ROS 2 process of the rclpy suite, driven by the test over stdin and stdout.

    python agent.py NODE_NAME [NAMESPACE]

The test writes one JSON command per line, {"id": N, "op": OP, ...}; the agent answers each with
one line "@@" + JSON: {"id": N, "ok": true, ...} or {"id": N, "ok": false, "error": TEXT}. The first
line, id 0, says the main node is up. Logging goes to stderr, never to stdout.

All ROS work runs on the main thread in one SingleThreadedExecutor; a reader thread hands the
commands over by triggering a guard condition. A command that waits for something (a match, N
messages, an event, a service response) is kept pending and re-checked after every executor step;
it answers when its condition holds or, as a failure, when its timeout passes. Entities are named
by keys the test chooses. Messages are built by payloads.make and reported in payloads.canonical
form, so the test compares values exactly.
"""

import json
import os
import queue
import sys
import threading
import time
import traceback

import payloads
import rclpy
from rclpy import event_handler
from rclpy.duration import Duration
from rclpy.event_handler import PublisherEventCallbacks, SubscriptionEventCallbacks
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter, parameter_value_to_python
from rclpy.parameter_client import AsyncParameterClient
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, LivelinessPolicy, QoSProfile,
                       ReliabilityPolicy)
from rclpy.utilities import get_rmw_implementation_identifier

# Executor step while a command is pending: only bounds how late a timeout or a polled condition
# (graph state, service availability) is noticed.
POLL_S = 0.05

SUB_EVENTS = ('deadline', 'liveliness', 'message_lost', 'matched')
PUB_EVENTS = ('deadline', 'liveliness', 'matched')


class Failed(Exception):
    pass


def qos_from(spec):
    spec = spec or {}
    liveliness = spec.get('liveliness', 'automatic')
    qos = QoSProfile(
        depth=spec.get('depth', 10),
        history=HistoryPolicy[spec.get('history', 'keep_last').upper()],
        reliability=ReliabilityPolicy[spec.get('reliability', 'reliable').upper()],
        durability=DurabilityPolicy[spec.get('durability', 'volatile').upper()],
        liveliness=LivelinessPolicy[liveliness.upper()] if isinstance(liveliness, str)
        else LivelinessPolicy.AUTOMATIC,
    )
    if isinstance(liveliness, int):
        # A raw rmw value rclpy has no name for (the deprecated MANUAL_BY_NODE, 2): its setter
        # refuses it, but the C profile takes it as it is.
        qos._liveliness = liveliness
    for field, attr in (('deadline', 'deadline'), ('lifespan', 'lifespan'),
                        ('lease', 'liveliness_lease_duration')):
        if field in spec:
            setattr(qos, attr, Duration(nanoseconds=int(spec[field] * 1e9)))
    return qos


def qos_dict(qos):
    return {
        'history': qos.history.name.lower(), 'depth': qos.depth,
        'reliability': qos.reliability.name.lower(), 'durability': qos.durability.name.lower(),
        'liveliness': qos.liveliness.name.lower(),
        'deadline_ns': qos.deadline.nanoseconds, 'lifespan_ns': qos.lifespan.nanoseconds,
        'lease_ns': qos.liveliness_lease_duration.nanoseconds,
    }


def endpoint_dict(info):
    return {
        'node_name': info.node_name, 'node_namespace': info.node_namespace,
        'topic_type': info.topic_type, 'endpoint_type': info.endpoint_type.name,
        'gid': list(info.endpoint_gid), 'qos': qos_dict(info.qos_profile),
    }


def event_dict(event):
    """The public fields of an rclpy event info object (counts, policy kind) as plain values,
    and its class as rclpy names it (QoSRequestedDeadlineMissedInfo...)."""
    names = [n for n, v in vars(event_handler).items() if v is type(event)]
    out = {'_class': names[0] if names else type(event).__name__}  # rclpy's name for it
    for name in dir(event):
        if name.startswith('_'):
            continue
        value = getattr(event, name)
        if callable(value):
            continue
        out[name] = value if isinstance(value, (int, float, str, bool)) else str(value)
    return out


class Agent:
    def __init__(self, name, namespace):
        self.executor = SingleThreadedExecutor()
        self.nodes = {}
        self.pubs, self.subs, self.services, self.clients = {}, {}, {}, {}
        self.param_clients = {}
        self.owner = {}  # entity key -> destroy function
        self.received, self.events, self.requests = {}, {}, {}
        self.pending = []
        self.running = True
        self.commands = queue.Queue()
        self.main = self.add_node('main', name, namespace, True)
        self.guard = self.main.create_guard_condition(self.on_commands)

    # -- plumbing ------------------------------------------------------------------------------

    def reply(self, msg):
        sys.stdout.write('@@' + json.dumps(msg) + '\n')
        sys.stdout.flush()

    def read_stdin(self):
        for line in sys.stdin:
            if line.strip():
                self.commands.put(json.loads(line))
                self.guard.trigger()
        self.commands.put({'id': None, 'op': 'exit'})
        self.guard.trigger()

    def on_commands(self):
        while True:
            try:
                cmd = self.commands.get_nowait()
            except queue.Empty:
                return
            cid = cmd.pop('id')
            op = cmd.pop('op')
            timeout = cmd.pop('timeout', 30.0)
            try:
                result = getattr(self, 'op_' + op)(**cmd)
            except Exception as exc:  # reported to the test, which fails with it
                self.reply({'id': cid, 'ok': False,
                            'error': f'{op}: {exc!r}\n{traceback.format_exc()}'})
                continue
            if callable(result):  # a condition: answer when it returns a dict
                self.pending.append((cid, op, time.monotonic() + timeout, result))
            else:
                self.reply({'id': cid, 'ok': True, **(result or {})})

    def check_pending(self):
        still = []
        for cid, op, deadline, check in self.pending:
            try:
                result = check()
            except Exception as exc:
                self.reply({'id': cid, 'ok': False, 'error': f'{op}: {exc!r}'})
                continue
            if result is not None:
                self.reply({'id': cid, 'ok': True, **result})
            elif time.monotonic() > deadline:
                self.reply({'id': cid, 'ok': False, 'error': f'{op}: timed out',
                            'state': self.describe()})
            else:
                still.append((cid, op, deadline, check))
        self.pending = still

    def describe(self):
        return {'received': {k: len(v) for k, v in self.received.items()},
                'events': {k: {e: len(v) for e, v in evs.items()}
                           for k, evs in self.events.items()}}

    def run(self):
        threading.Thread(target=self.read_stdin, daemon=True).start()
        self.reply({'id': 0, 'ok': True, 'pid': os.getpid(),
                    'rmw': get_rmw_implementation_identifier()})
        while self.running and rclpy.ok():
            self.executor.spin_once(timeout_sec=POLL_S if self.pending else None)
            self.check_pending()

    def record_event(self, key, kind):
        log = self.events.setdefault(key, {}).setdefault(kind, [])
        return lambda event: log.append(event_dict(event))

    # -- nodes ---------------------------------------------------------------------------------

    def add_node(self, key, name, namespace, spin):
        node = rclpy.create_node(name, namespace=namespace or None)
        self.nodes[key] = node
        if spin:
            self.executor.add_node(node)
        return node

    def op_node(self, key, name, ns='', spin=True):
        node = self.add_node(key, name, ns, spin)
        return {'fqn': node.get_fully_qualified_name()}

    def op_nodes(self, prefix, count, ns=''):
        for k in range(count):
            self.add_node(f'{prefix}{k}', f'{prefix}{k}', ns, True)
        return {'count': count}

    # -- topics --------------------------------------------------------------------------------

    def op_pub(self, key, topic, type, qos=None, node='main', events=()):
        callbacks = {e: self.record_event(key, e) for e in events}
        n = self.nodes[node]
        self.pubs[key] = n.create_publisher(
            payloads.msg_class(type), topic, qos_from(qos),
            event_callbacks=PublisherEventCallbacks(
                incompatible_qos=self.record_event(key, 'incompatible_qos'),
                incompatible_type=self.record_event(key, 'incompatible_type'), **callbacks))
        self.owner[key] = lambda: n.destroy_publisher(self.pubs.pop(key))

    def op_sub(self, key, topic, type, qos=None, node='main', events=()):
        log = self.received.setdefault(key, [])
        callbacks = {e: self.record_event(key, e) for e in events}
        n = self.nodes[node]
        self.subs[key] = n.create_subscription(
            payloads.msg_class(type), topic, log.append, qos_from(qos),
            event_callbacks=SubscriptionEventCallbacks(
                incompatible_qos=self.record_event(key, 'incompatible_qos'),
                incompatible_type=self.record_event(key, 'incompatible_type'), **callbacks))
        self.owner[key] = lambda: n.destroy_subscription(self.subs.pop(key))

    def op_destroy(self, key):
        self.owner.pop(key)()

    def message(self, pub, seed, size):
        if size is not None:
            return payloads.make_bytes(size, seed)
        return payloads.make(payloads.type_name_of(pub.msg_type), seed)

    def op_publish(self, key, seeds, size=None, wait_acked=False):
        pub = self.pubs[key]
        for seed in seeds:
            pub.publish(self.message(pub, seed, size))
        if wait_acked and not pub.wait_for_all_acked(Duration(seconds=30)):
            raise Failed('wait_for_all_acked timed out')
        return {'published': len(seeds)}

    def op_publish_periodic(self, key, period, first_seed=0, size=None):
        pub = self.pubs[key]
        seed = [first_seed]

        def tick():
            pub.publish(self.message(pub, seed[0], size))
            seed[0] += 1
        timer = self.main.create_timer(period, tick)
        self.owner[key + '.timer'] = lambda: self.main.destroy_timer(timer)

    def op_assert_liveliness(self, key):
        self.pubs[key].assert_liveliness()

    def op_counts(self, key):
        if key in self.pubs:
            return {'matched': self.pubs[key].get_subscription_count()}
        return {'matched': self.subs[key].get_publisher_count()}

    def op_wait_matched(self, key, count, exact=False):
        def check():
            n = self.op_counts(key)['matched']
            return {'matched': n} if (n == count if exact else n >= count) else None
        return check

    def op_wait_msgs(self, key, count, clear=False):
        log = self.received.setdefault(key, [])

        def check():
            if len(log) < count:
                return None
            out = [payloads.canonical(m) for m in log]
            if clear:
                log.clear()
            return {'msgs': out}
        return check

    def op_msgs(self, key):
        return {'msgs': [payloads.canonical(m) for m in self.received.get(key, [])]}

    def op_take(self, key):
        """Takes what a subscription of a node outside the executor holds now."""
        sub = self.subs[key]
        out = []
        with sub.handle:
            while True:
                taken = sub.handle.take_message(sub.msg_type, sub.raw)
                if taken is None:
                    return {'msgs': out}
                out.append(payloads.canonical(taken[0]))

    def op_wait_event(self, key, kind, count=1, where=None):
        log = self.events.setdefault(key, {}).setdefault(kind, [])
        where = where or {}

        def check():
            hits = [e for e in log if all(e.get(f) == v for f, v in where.items())]
            return {'events': log[:]} if len(hits) >= count else None
        return check

    def op_events(self, key):
        return {k: v[:] for k, v in self.events.get(key, {}).items()}

    # -- graph ---------------------------------------------------------------------------------

    def op_graph(self, topics=(), node='main'):
        n = self.nodes[node]
        return {
            'topics': n.get_topic_names_and_types(),
            'nodes': n.get_node_names_and_namespaces(),
            'services': n.get_service_names_and_types(),
            'per_topic': {t: {
                'publishers': n.count_publishers(t), 'subscribers': n.count_subscribers(t),
                'publishers_info': [endpoint_dict(i) for i in n.get_publishers_info_by_topic(t)],
                'subscriptions_info': [endpoint_dict(i)
                                       for i in n.get_subscriptions_info_by_topic(t)],
            } for t in topics},
        }

    def op_graph_by_node(self, name, ns, node='main'):
        n = self.nodes[node]
        return {
            'publishers': n.get_publisher_names_and_types_by_node(name, ns),
            'subscribers': n.get_subscriber_names_and_types_by_node(name, ns),
            'services': n.get_service_names_and_types_by_node(name, ns),
            'clients': n.get_client_names_and_types_by_node(name, ns),
        }

    # -- services and parameters ---------------------------------------------------------------

    def op_service(self, key, name, type, node='main', qos=None):
        srv_type = payloads.msg_class(type)
        log = self.requests.setdefault(key, [])

        def echo(request, response):
            log.append(payloads.canonical(request))
            for field in response.get_fields_and_field_types():
                if hasattr(request, field):
                    setattr(response, field, getattr(request, field))
            return response
        n = self.nodes[node]
        extra = {} if qos is None else {'qos_profile': qos_from(qos)}
        self.services[key] = n.create_service(srv_type, name, echo, **extra)
        self.owner[key] = lambda: n.destroy_service(self.services.pop(key))

    def op_requests(self, key):
        return {'requests': self.requests.get(key, [])}

    def op_client(self, key, name, type, node='main', qos=None):
        n = self.nodes[node]
        extra = {} if qos is None else {'qos_profile': qos_from(qos)}
        self.clients[key] = n.create_client(payloads.msg_class(type), name, **extra)
        self.owner[key] = lambda: n.destroy_client(self.clients.pop(key))

    def op_call(self, key, seed=None, request=None):
        """Waits for the service, sends a request (built from seed, or from a dict) and
        answers with the response."""
        client = self.clients[key]
        req_cls = client.srv_type.Request
        if request is not None:
            req = payloads.from_dict(req_cls, request)
        else:
            req = payloads.make(payloads.type_name_of(req_cls), seed)
        future = []

        def check():
            if not future:
                if not client.service_is_ready():
                    return None
                future.append(client.call_async(req))
            if not future[0].done():
                return None
            return {'response': payloads.canonical(future[0].result())}
        return check

    def op_declare(self, name, value, node='main'):
        self.nodes[node].declare_parameter(name, value)

    def op_get_local(self, name, node='main'):
        return {'value': self.nodes[node].get_parameter(name).value}

    def op_param_client(self, key, target, node='main'):
        self.param_clients[key] = AsyncParameterClient(self.nodes[node], target)

    def op_param(self, key, method, names=(), values=None):
        """get / set / list / describe through rclpy's AsyncParameterClient."""
        pc = self.param_clients[key]
        future = []

        def start():
            if method == 'get':
                return pc.get_parameters(list(names))
            if method == 'set':
                return pc.set_parameters([Parameter(k, value=v) for k, v in values.items()])
            if method == 'list':
                return pc.list_parameters()
            return pc.describe_parameters(list(names))

        def result(res):
            if method == 'get':
                return {'values': [parameter_value_to_python(v) for v in res.values]}
            if method == 'set':
                return {'results': [{'successful': r.successful, 'reason': r.reason}
                                    for r in res.results]}
            if method == 'list':
                return {'names': list(res.result.names)}
            return {'descriptors': [payloads.canonical(d) for d in res.descriptors]}

        def check():
            if not future:
                if not pc.services_are_ready():
                    return None
                future.append(start())
            return result(future[0].result()) if future[0].done() else None
        return check

    # -- the end -------------------------------------------------------------------------------

    def op_exit(self):
        self.running = False

    def shutdown(self):
        self.executor.shutdown()
        for node in self.nodes.values():
            node.destroy_node()
        rclpy.shutdown()


def main():
    rclpy.init()
    agent = Agent(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else '')
    agent.run()
    agent.shutdown()
    agent.reply({'id': None, 'ok': True, 'bye': True})


if __name__ == '__main__':
    main()
