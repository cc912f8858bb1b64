"""rclpy ping-pong round-trip latency: rmw_hazcat_rs and rmw_fastrtps_cpp side by side, one run.

    <venv>/bin/python benchmarks/ros/rclpy_pingpong.py --rmw-lib target/release/librmw_hazcat_rs.so
    (scripts/ros_bench.sh builds the library, runs this and draws the plot)

A round runs every system once, in an order that alternates from round to round; a system's turn
starts a pong process and a ping process (separate processes, this file re-executed with a role
argument) and measures every size in them. Ping publishes a message, pong's subscription callback
publishes the same message back, ping's callback receives it: the time from before publish() to the
callback is one round trip (time.perf_counter_ns in ping). Both processes spin a
SingleThreadedExecutor, the way an rclpy node usually runs; QoS reliable, keep last 10, volatile.

Warm-up round trips are excluded. Nothing sleeps for synchronisation: ping waits until its publisher
and its subscription are matched (rclpy's matched counts), then sends warm-up pings until pong
answers one (resending on a timeout: Fast DDS may match one direction before the other), and pong
exits when ping's final stop message comes back to it.

Reported per size: p50 / p99 round trip per system (median over rounds of each round's p50 / p99)
and the ratio hazcat/fastrtps as the median of the per-round ratios (the two systems of a round run
back to back, so slow phases of a shared machine cancel out). Writes rclpy_pingpong.csv (one row per
round, system and size), rclpy_pingpong.md (the table) and rclpy_pingpong.json (for plot.py).
"""

import argparse
import array
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEMS = {'hazcat': 'rmw_hazcat_rs', 'fastrtps': 'rmw_fastrtps_cpp'}
STOP = 0xFFFFFFFF
# Only a failure waits this long.
TIMEOUT_S = 60.0
# The rclpy suite's domain-id locks: a benchmark never shares a domain with a running suite.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'test' / 'rclpy'))
from domain_lock import claim_domain_id  # noqa: E402
from pingpong_table import parse_size, size_label  # noqa: E402 (this directory)


def percentile(sorted_values, q):
    """Nearest-rank percentile of sorted values."""
    k = max(0, min(len(sorted_values) - 1, -(-len(sorted_values) * q // 100) - 1))
    return sorted_values[int(k)]


def iterations(size, args):
    """Measured round trips for a size: fewer for large messages (a 4 MiB round trip over DDS
    takes milliseconds)."""
    if size <= 64 << 10:
        return args.iters
    if size <= 1 << 20:
        return max(20, args.iters // 4)
    return max(10, args.iters // 10)


# ------------------------------------------------------------------------------------------------
# The two ROS processes


def make_node(name):
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
    from std_msgs.msg import UInt8MultiArray

    rclpy.init()
    node = rclpy.create_node(name)
    qos = QoSProfile(depth=10, history=HistoryPolicy.KEEP_LAST,
                     reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    return rclpy, node, executor, qos, UInt8MultiArray


def phases(args):
    """Topic pairs in order, each with its sizes: one pair for all sizes, or with
    --fresh-topics one pair per size, created after the previous pair was destroyed (what the
    rclcpp pingpong demo does)."""
    if args.fresh_topics:
        return [[s] for s in args.sizes]
    return [args.sizes]


def run_pong(topic, args):
    rclpy, node, executor, qos, msg_type = make_node('hazcat_bench_pong')
    ok = True
    for k, _ in enumerate(phases(args)):
        pub = node.create_publisher(msg_type, f'{topic}/p{k}/pong', qos)
        state = {'stop': False}

        def echo(msg, pub=pub, state=state):
            pub.publish(msg)
            if msg.layout.data_offset == STOP:
                state['stop'] = True

        sub = node.create_subscription(msg_type, f'{topic}/p{k}/ping', echo, qos)
        deadline = time.monotonic() + TIMEOUT_S * 20
        while not state['stop'] and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=1.0)
        # Ping moves on once it has the stop echo; let it take it before the publisher goes.
        end = time.monotonic() + 2.0
        while pub.get_subscription_count() > 0 and time.monotonic() < end:
            executor.spin_once(timeout_sec=0.05)
        node.destroy_subscription(sub)
        node.destroy_publisher(pub)
        ok = ok and state['stop']
        if not ok:
            break
    node.destroy_node()
    rclpy.shutdown()
    return 0 if ok else 1


def run_ping(topic, args):
    rclpy, node, executor, qos, msg_type = make_node('hazcat_bench_ping')
    got = {'seq': None, 'len': 0}

    def on_pong(msg):
        got['seq'] = msg.layout.data_offset
        got['len'] = len(msg.data)

    def wait_for(cond, timeout):
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                return False
            executor.spin_once(timeout_sec=0.05)
        return True

    msg = msg_type()
    seq = 0
    pub = None

    def round_trip(expect_len, timeout):
        """One ping; the round-trip time in ns, or None when no answer came within timeout."""
        nonlocal seq
        seq = (seq + 1) % STOP
        msg.layout.data_offset = seq
        got['seq'] = None
        t0 = time.perf_counter_ns()
        pub.publish(msg)
        while got['seq'] != seq:
            executor.spin_once(timeout_sec=timeout)
            if got['seq'] != seq and time.perf_counter_ns() - t0 > timeout * 1e9:
                return None
        t1 = time.perf_counter_ns()
        if got['len'] != expect_len:
            raise SystemExit(f'ping: pong of {got["len"]} bytes, expected {expect_len}')
        return t1 - t0

    results = []
    for k, sizes in enumerate(phases(args)):
        pub = node.create_publisher(msg_type, f'{topic}/p{k}/ping', qos)
        sub = node.create_subscription(msg_type, f'{topic}/p{k}/pong', on_pong, qos)
        if not wait_for(lambda: pub.get_subscription_count() >= 1
                        and sub.get_publisher_count() >= 1, TIMEOUT_S):
            raise SystemExit('ping: pong did not match within the timeout')
        answered = False
        for size in sizes:
            msg.data = array.array('B', bytes(size))
            # The first answer may need resends (one direction matched before the other).
            tries = 0
            while not answered:
                answered = round_trip(size, 0.5) is not None
                tries += 1
                if tries > TIMEOUT_S * 2:
                    raise SystemExit('ping: no answer from pong')
            for _ in range(args.warmup):
                if round_trip(size, TIMEOUT_S) is None:
                    raise SystemExit(f'ping: lost a warm-up message of {size} bytes')
            samples = []
            for _ in range(iterations(size, args)):
                rt = round_trip(size, TIMEOUT_S)
                if rt is None:
                    raise SystemExit(f'ping: lost a message of {size} bytes')
                samples.append(rt / 1000.0)
            samples.sort()
            results.append({'slot': len(results), 'size': size, 'n': len(samples),
                            'p50': percentile(samples, 50),
                            'p99': percentile(samples, 99),
                            'mean': statistics.fmean(samples)})
        # Stop: pong echoes it and moves to the next pair (or exits).
        msg.data = array.array('B')
        msg.layout.data_offset = STOP
        got['seq'] = None
        pub.publish(msg)
        wait_for(lambda: got['seq'] == STOP, TIMEOUT_S)
        node.destroy_subscription(sub)
        node.destroy_publisher(pub)
    print('@@' + json.dumps(results), flush=True)
    node.destroy_node()
    rclpy.shutdown()
    return 0


# ------------------------------------------------------------------------------------------------
# The leader


def system_env(system, args, domain_id, shm_dir):
    env = dict(os.environ)
    env.pop('LD_PRELOAD', None)
    env.pop('RMW_IMPLEMENTATION', None)
    env.update(ROS_DOMAIN_ID=str(domain_id), PYTHONDONTWRITEBYTECODE='1', PYTHONUNBUFFERED='1')
    if system == 'hazcat':
        env.update(LD_PRELOAD=args.rmw_lib, RMW_IMPLEMENTATION=SYSTEMS['hazcat'],
                   HAZCAT_SHM_DIR=str(shm_dir))
    else:
        env['RMW_IMPLEMENTATION'] = SYSTEMS['fastrtps']
    return env


def run_turn(system, round_no, args, domain_id, shm_dir, log_dir):
    """One system's turn: a pong and a ping process, every size; ping's per-size results."""
    env = system_env(system, args, domain_id, shm_dir)
    topic = f'/hazcat_bench_{os.getpid()}_{round_no}_{system}'
    me = [sys.executable, os.path.abspath(__file__)]
    common = ['--iters', str(args.iters), '--warmup', str(args.warmup),
              '--sizes', ','.join(str(s) for s in args.sizes)]
    if args.fresh_topics:
        common.append('--fresh-topics')
    logs = [open(log_dir / f'{system}.{round_no}.{role}.log', 'w') for role in ('pong', 'ping')]
    pong = subprocess.Popen(me + ['__pong', topic] + common, env=env, stdout=logs[0],
                            stderr=subprocess.STDOUT)
    ping = subprocess.Popen(me + ['__ping', topic] + common, env=env, stdout=subprocess.PIPE,
                            stderr=logs[1], text=True)
    try:
        out, _ = ping.communicate(timeout=TIMEOUT_S * 20)
        pong_rc = pong.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        ping.kill()
        pong.kill()
        raise SystemExit(f'{system} round {round_no}: timed out; logs in {log_dir}')
    finally:
        for f in logs:
            f.close()
    lines = [line for line in out.splitlines() if line.startswith('@@')]
    if ping.returncode != 0 or pong_rc != 0 or not lines:
        raise SystemExit(f'{system} round {round_no}: ping exited {ping.returncode}, pong '
                         f'{pong_rc}; logs in {log_dir}')
    return json.loads(lines[-1][2:])


def lead(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    systems = args.systems
    if 'hazcat' in systems and not os.path.isfile(args.rmw_lib or ''):
        raise SystemExit(f'--rmw-lib {args.rmw_lib!r} is not a file (build librmw_hazcat_rs.so)')
    if args.rmw_lib:
        args.rmw_lib = os.path.abspath(args.rmw_lib)
    domain_id, lock = claim_domain_id()
    work = Path(tempfile.mkdtemp(prefix='hazcat_ros_bench_'))
    shm_dir = work / 'shm'
    shm_dir.mkdir()
    log_dir = work / 'log'
    log_dir.mkdir()
    rows = []
    total_rounds = args.rounds + 1  # round 0: warm-up turn per system, not recorded
    t_start = time.monotonic()
    for r in range(total_rounds):
        order = systems if r % 2 == 0 else list(reversed(systems))
        for system in order:
            res = run_turn(system, r, args, domain_id, shm_dir, log_dir)
            if r == 0:
                continue
            for x in res:
                rows.append({'round': r, 'system': system, **x})
        print(f'round {r}{" (warm-up)" if r == 0 else ""} done, '
              f'{time.monotonic() - t_start:.0f} s', file=sys.stderr, flush=True)
    leftovers = sorted(p.name for p in shm_dir.iterdir())
    lock.close()

    summary = summarize(rows, systems, args.sizes)
    write_outputs(out, rows, summary, systems, args, leftovers)
    if not leftovers:
        shutil.rmtree(work)
    else:
        print(f'left behind in {shm_dir}: {leftovers}', file=sys.stderr)
    return 1 if leftovers else 0


def summarize(rows, systems, sizes):
    """One entry per position in the size list (a size may repeat with --fresh-topics)."""
    summary = []
    for slot, size in enumerate(sizes):
        entry = {'slot': slot, 'size': size}
        per = {s: {r['round']: r for r in rows if r['system'] == s and r['slot'] == slot}
               for s in systems}
        for s in systems:
            entry[f'{s}_p50'] = statistics.median(r['p50'] for r in per[s].values())
            entry[f'{s}_p99'] = statistics.median(r['p99'] for r in per[s].values())
        if len(systems) == 2:
            a, b = systems
            rounds = sorted(set(per[a]) & set(per[b]))
            for q in ('p50', 'p99'):
                entry[f'ratio_{q}'] = statistics.median(
                    per[a][r][q] / per[b][r][q] for r in rounds)
        summary.append(entry)
    return summary


def write_outputs(out, rows, summary, systems, args, leftovers):
    with open(out / 'rclpy_pingpong.csv', 'w') as f:
        f.write('round,system,rmw,slot,size,n,p50_us,p99_us,mean_us\n')
        for r in rows:
            f.write(f"{r['round']},{r['system']},{SYSTEMS[r['system']]},{r['slot']},{r['size']},"
                    f"{r['n']},"
                    f"{r['p50']:.2f},{r['p99']:.2f},{r['mean']:.2f}\n")
    head = ['size']
    for s in systems:
        head += [f'{s} p50 µs', f'{s} p99 µs']
    if len(systems) == 2:
        head += [f'ratio p50 ({systems[0]}/{systems[1]})', f'ratio p99 ({systems[0]}/{systems[1]})']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---:|' * len(head)]
    for e in summary:
        cells = [size_label(e['size'])]
        if args.fresh_topics:
            cells[0] += f" (pair {e['slot'] + 1})"
        for s in systems:
            cells += [f"{e[f'{s}_p50']:.1f}", f"{e[f'{s}_p99']:.1f}"]
        if len(systems) == 2:
            cells += [f"{e['ratio_p50']:.2f}", f"{e['ratio_p99']:.2f}"]
        lines.append('| ' + ' | '.join(cells) + ' |')
    note = (f'rclpy ping-pong round trip, std_msgs/UInt8MultiArray, {args.rounds} alternating '
            f'rounds (plus one warm-up round); per round {args.warmup} warm-up and '
            + ', '.join(f'{iterations(s, args)}' for s in args.sizes)
            + ' measured round trips per size; p50/p99: median over rounds; ratio: median of '
              'per-round ratios.'
            + (' --fresh-topics: one publisher/subscription pair per size, each created after '
               'the previous pair was destroyed.' if args.fresh_topics else ''))
    clean = ('cleanup check: nothing left in the hazcat shared-memory directory'
             if not leftovers else f'cleanup check FAILED: left behind {leftovers}')
    md = '\n'.join(lines) + '\n\n' + note + '\n' + clean + '\n'
    (out / 'rclpy_pingpong.md').write_text(md)
    (out / 'rclpy_pingpong.json').write_text(json.dumps(
        {'systems': systems, 'rmw': {s: SYSTEMS[s] for s in systems}, 'summary': summary,
         'rounds': args.rounds}, indent=1))
    print(md)
    print(f'wrote {out}/rclpy_pingpong.csv, .md, .json', file=sys.stderr)


def main():
    if len(sys.argv) > 2 and sys.argv[1] in ('__ping', '__pong'):
        role, topic = sys.argv[1], sys.argv[2]
        args = parser().parse_args(sys.argv[3:])
        if role == '__pong':
            return run_pong(topic, args)
        return run_ping(topic, args)
    args = parser().parse_args()
    if args.quick:
        args.rounds = min(args.rounds, 2)
        args.iters = min(args.iters, 200)
        args.warmup = min(args.warmup, 20)
        if not args.sizes_given:
            args.sizes = [parse_size(s) for s in '64,4K,64K,1M'.split(',')]
    return lead(args)


def parser():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--rmw-lib', default=os.environ.get('HAZCAT_RMW_LIB', ''),
                   help='librmw_hazcat_rs.so (LD_PRELOADed into the hazcat processes)')
    p.add_argument('--sizes', default=None, help='payload sizes (default 64,4K,64K,1M,4M)')
    p.add_argument('--systems', default='hazcat,fastrtps', help='hazcat,fastrtps (either order)')
    p.add_argument('--rounds', type=int, default=5, help='measured rounds (default 5)')
    p.add_argument('--iters', type=int, default=1000,
                   help='measured round trips per size up to 64K (a quarter up to 1M, a tenth '
                        'above); default 1000')
    p.add_argument('--warmup', type=int, default=100, help='warm-up round trips per size')
    p.add_argument('--quick', action='store_true',
                   help='2 rounds, 200 round trips, sizes 64,4K,64K,1M unless --sizes (CI)')
    p.add_argument('--fresh-topics', action='store_true',
                   help='a new publisher/subscription pair per size, created after the previous '
                        'one is destroyed (as the rclcpp pingpong demo does); sizes may repeat')
    p.add_argument('--out', default='bench-results/ros', help='output directory')

    class Args(argparse.Namespace):
        pass

    orig = p.parse_args

    def parse(argv=None):
        a = orig(argv, namespace=Args())
        a.sizes_given = a.sizes is not None
        a.sizes = [parse_size(s) for s in (a.sizes or '64,4K,64K,1M,4M').split(',') if s]
        a.systems = [s for s in a.systems.split(',') if s]
        for s in a.systems:
            if s not in SYSTEMS:
                p.error(f'unknown system {s!r}')
        return a

    p.parse_args = parse
    return p


if __name__ == '__main__':
    sys.exit(main())
