"""hazcat-scale: footprint and entity creation/destruction cost at scale, rmw_hazcat_rs and
rmw_fastrtps_cpp side by side (a benchmark, not a test).

    <venv>/bin/python benchmarks/ros/scale.py --rmw-lib target/release/librmw_hazcat_rs.so
    (scripts/hazcat_scale.sh builds the library, runs this and draws the plot)

Every scenario runs once per RMW, each run in fresh processes (this file re-executed with a role
argument); the RMW order alternates from scenario to scenario:

  nodes N           N idle rclpy nodes in one process (each with rclpy's default parameter and
                    type-description services, /parameter_events and /rosout publishers)
  topics T          one node, T topics, each with one publisher and one subscription of
                    std_msgs/String; one message published on each (and received) before measuring
  pubs-distinct P   one node, P publishers on P topics
  pubs-one-topic P  one node, P publishers on one topic
  talker-listener N N talker nodes (one process) and N listener nodes (a second process), talker i
                    publishing std_msgs/String at 10 Hz on its own topic to listener i

A child creates its entities (timed with time.perf_counter), waits until they are idle (matched;
messages received), prints '@@ready' and blocks. The leader then measures: the shared-memory objects
(hazcat: its private HAZCAT_SHM_DIR, `du -sk` = resident, `du --apparent-size -sk`, the number of
files; Fast DDS: the files in /dev/shm named fastrtps_* / fastdds_* / fast_datasharing* / sem.fast*
that appeared during the run and that a child maps or holds open) and each child's VmRSS
(/proc/<pid>/status). It answers 'go'; the child destroys its entities (timed), shuts rclpy down and
exits. A run that crashes (a signal such as SIGBUS), errors, times out or grows hazcat's directory
beyond --shm-cap is a row with its failure (exit status, the tail of its stderr), not an abort.

Writes hazcat_scale.csv (one row per run), hazcat_scale.md (tables: per run; hazcat/Fast DDS
ratios; the scale targets) and hazcat_scale.json (for plot_scale.py).
"""

import argparse
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rclpy_pingpong import SYSTEMS, claim_domain_id, system_env  # noqa: E402

FULL = [('nodes', 1), ('nodes', 20), ('nodes', 100), ('topics', 100), ('topics', 1000),
        ('pubs-distinct', 1000), ('pubs-distinct', 10000), ('pubs-one-topic', 1000),
        ('pubs-one-topic', 10000), ('talker-listener', 10)]
QUICK = [('nodes', 1), ('nodes', 10), ('topics', 10), ('topics', 100), ('pubs-distinct', 100),
         ('pubs-distinct', 1000), ('pubs-one-topic', 100), ('pubs-one-topic', 1000),
         ('talker-listener', 10)]
REPO = str(Path(__file__).resolve().parents[2])
# What one call of a scenario's creation loop creates (progress is counted in calls).
UNITS = {'nodes': 'nodes', 'topics': 'topics', 'pubs-distinct': 'publishers',
         'pubs-one-topic': 'publishers', 'talker-listener': 'nodes'}
FASTDDS_PREFIXES = ('fastrtps_', 'fastdds_', 'fast_datasharing', 'sem.fastrtps_', 'sem.fastdds_')
PORT = re.compile(r'port\d+(?!\d)')
# Waits for matching and delivery inside a child; only a failure waits this long.
MATCH_TIMEOUT_S = 120.0
QOS_DEPTH = 10


def label(kind, n):
    return {'nodes': f'{n} idle node{"s" if n > 1 else ""}',
            'topics': f'{n} topics, 1 pub + 1 sub each',
            'pubs-distinct': f'{n} pubs, {n} topics',
            'pubs-one-topic': f'{n} pubs, 1 topic',
            'talker-listener': f'{n} talkers + {n} listeners, 2 procs'}[kind]


def status_kib(pid):
    """VmRSS, RssAnon, RssFile and RssShmem of a process, KiB."""
    out = {}
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            key, _, value = line.partition(':')
            if key in ('VmRSS', 'RssAnon', 'RssFile', 'RssShmem'):
                out[key] = int(value.split()[0])
    return out


# ------------------------------------------------------------------------------------------------
# The child: one ROS process of a run


def child(kind, n, role):
    base_rss = status_kib('self')['VmRSS']
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from std_msgs.msg import String

    rclpy.init()
    base_rss_init = status_kib('self')['VmRSS']
    executor = SingleThreadedExecutor()
    got = {'n': 0}

    def count(_msg):
        got['n'] += 1

    def spin_until(cond, what):
        end = time.monotonic() + MATCH_TIMEOUT_S
        while not cond():
            if time.monotonic() > end:
                raise SystemExit(f'timed out waiting for {what}')
            executor.spin_once(timeout_sec=0.05)

    nodes, pubs, subs = [], [], []
    heard = [0] * n

    def timed_loop(make):
        """Runs make(i) for i < n: the total time and that of the first call (which pays for
        what a process or a type does once: Fast DDS's participant, a type support)."""
        step = max(1, n // 50)
        t0 = time.perf_counter()
        first = None
        for i in range(n):
            try:
                make(i)
            except BaseException:
                print(f'@@progress {{"created": {i}}}', flush=True)
                raise
            if first is None:
                first = time.perf_counter() - t0
            if (i + 1) % step == 0 or (i + 1) & i == 0:
                # How far it got, should the process die (a signal leaves no other trace).
                print(f'@@progress {{"created": {i + 1}}}', flush=True)
        return time.perf_counter() - t0, first

    def listener(i):
        def hear(_msg):
            heard[i] += 1
        nodes.append(rclpy.create_node(f'scale_listener_{i}'))
        subs.append(nodes[-1].create_subscription(String, f'/scale/chatter{i}', hear, QOS_DEPTH))

    def talker(i):
        nodes.append(rclpy.create_node(f'scale_talker_{i}'))
        pubs.append(nodes[-1].create_publisher(String, f'/scale/chatter{i}', QOS_DEPTH))

    def pub_sub(i):
        pubs.append(nodes[0].create_publisher(String, f'/scale/t{i}', QOS_DEPTH))
        subs.append(nodes[0].create_subscription(String, f'/scale/t{i}', count, QOS_DEPTH))

    if kind not in ('nodes', 'talker-listener'):
        nodes.append(rclpy.create_node('scale_endpoints'))
    if kind == 'nodes':
        make, per_call, per = (lambda i: nodes.append(rclpy.create_node(f'scale_node_{i}')), 1,
                               'node')
    elif kind == 'topics':
        make, per_call, per = pub_sub, 2, 'endpoint'
    elif kind in ('pubs-distinct', 'pubs-one-topic'):
        one = kind == 'pubs-one-topic'
        make, per_call, per = (lambda i: pubs.append(nodes[0].create_publisher(
            String, '/scale/p' if one else f'/scale/p{i}', QOS_DEPTH)), 1, 'publisher')
    elif role == 'talker':
        make, per_call, per = talker, 1, 'node (+1 pub)'
    else:
        make, per_call, per = listener, 1, 'node (+1 sub)'
    create_s, first_s = timed_loop(make)
    timed = n * per_call
    for node in nodes:
        executor.add_node(node)

    if kind == 'topics':
        spin_until(lambda: all(p.get_subscription_count() >= 1 for p in pubs), 'matching')
        msg = String(data='scale')
        for p in pubs:
            p.publish(msg)
        spin_until(lambda: got['n'] >= n, 'the messages')
    elif role == 'talker':
        msg = String()
        sent = [0]

        def tick():
            sent[0] += 1
            msg.data = f'hello {sent[0]}'
            for p in pubs:
                p.publish(msg)

        nodes[0].create_timer(0.1, tick)
        spin_until(lambda: all(p.get_subscription_count() >= 1 for p in pubs), 'the listeners')
    elif role == 'listener':
        spin_until(lambda: min(heard) >= 3, 'the talkers\' messages')
        got['n'] = sum(heard)

    endpoints = sum(len(list(x.publishers)) + len(list(x.subscriptions)) + len(list(x.services))
                    + len(list(x.clients)) + 1 for x in nodes)  # + rcl's /rosout publisher
    topics = {e.topic_name for x in nodes for e in (*x.publishers, *x.subscriptions)}
    topics.add('/rosout')
    print('@@ready ' + json.dumps({
        'nodes': len(nodes), 'topics': sorted(topics),
        'endpoints': endpoints, 'timed': timed, 'per': per, 'create_s': create_s,
        'first_s': first_s, 'per_call': per_call,
        'received': got['n'], 'rss_base_kib': base_rss, 'rss_init_kib': base_rss_init}),
        flush=True)

    # Idle until the leader has measured (the talkers keep talking, the listeners listening).
    go = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), go.set()), daemon=True).start()
    if role == 'main':
        go.wait()
    else:
        while not go.is_set():
            executor.spin_once(timeout_sec=0.05)

    t0 = time.perf_counter()
    if kind in ('topics', 'pubs-distinct', 'pubs-one-topic'):
        for p in pubs:
            nodes[0].destroy_publisher(p)
        for sub in subs:
            nodes[0].destroy_subscription(sub)
        destroy_s = time.perf_counter() - t0
        nodes[0].destroy_node()
    else:
        for node in nodes:
            executor.remove_node(node)
        t0 = time.perf_counter()
        for node in nodes:
            node.destroy_node()
        destroy_s = time.perf_counter() - t0
    executor.shutdown()
    rclpy.shutdown()
    print('@@done ' + json.dumps({'destroy_s': destroy_s}), flush=True)
    return 0


# ------------------------------------------------------------------------------------------------
# Measuring from the leader


def du_kib(paths, apparent=False):
    """Total of `du -sk` (or --apparent-size) over paths; 0 for none."""
    if not paths:
        return 0
    cmd = ['du', '-skc'] + (['--apparent-size'] if apparent else []) + [str(p) for p in paths]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()
    return int(out[-1].split()[0]) if out else 0


def dir_blocks_kib(path):
    """Resident KiB of the files in path (st_blocks; what du counts), for the watchdog."""
    total = 0
    try:
        with os.scandir(path) as it:
            for e in it:
                try:
                    total += e.stat(follow_symlinks=False).st_blocks // 2
                except FileNotFoundError:
                    pass
    except FileNotFoundError:
        pass
    return total


def hazcat_kind(name):
    for kind in ('registry', 'topic', 'arena'):
        if f'_{kind}' in name:
            return kind
    return 'other'


def measure_hazcat(shm_dir):
    names = sorted(os.listdir(shm_dir))
    by_kind = {k: [0, 0] for k in ('registry', 'topic', 'arena', 'other')}
    for name in names:
        st = os.stat(shm_dir / name)
        entry = by_kind[hazcat_kind(name)]
        entry[0] += 1
        entry[1] += st.st_blocks // 2
    return {'objects': len(names), 'shm_kib': du_kib([shm_dir]),
            'shm_apparent_kib': du_kib([shm_dir], apparent=True),
            **{f'{k}_objects': v[0] for k, v in by_kind.items()},
            **{f'{k}_kib': v[1] for k, v in by_kind.items()}}


def fastdds_names():
    return {n for n in os.listdir('/dev/shm') if n.startswith(FASTDDS_PREFIXES)}


def shm_files_of(pids):
    """Names of the /dev/shm files a process maps or holds open."""
    names = set()
    for pid in pids:
        try:
            with open(f'/proc/{pid}/maps') as f:
                for line in f:
                    path = line.split(maxsplit=5)[-1].strip()
                    if path.startswith('/dev/shm/'):
                        names.add(path[len('/dev/shm/'):].removesuffix(' (deleted)'))
            for fd in os.listdir(f'/proc/{pid}/fd'):
                try:
                    target = os.readlink(f'/proc/{pid}/fd/{fd}')
                except OSError:
                    continue
                if target.startswith('/dev/shm/'):
                    names.add(target[len('/dev/shm/'):])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return names


def measure_fastdds(before, pids):
    """Fast DDS's files of this run: new since `before`, and used by one of its processes or
    belonging to one of their ports (the semaphores `sem.fastrtps_port<N>_mutex` are not kept
    open)."""
    new = fastdds_names() - before
    used = new & shm_files_of(pids)
    ports = {m.group(0) for m in map(PORT.search, used) if m}
    mine = sorted(used | {n for n in new if (m := PORT.search(n)) and m.group(0) in ports})
    paths = [Path('/dev/shm') / n for n in mine]
    return {'objects': len(mine), 'shm_kib': du_kib(paths),
            'shm_apparent_kib': du_kib(paths, apparent=True), 'fastdds_files': mine}


def failure_text(rc):
    if rc is None:
        return 'killed'
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f'signal {-rc}'
        return f'{name} (exit {128 - rc})'
    return f'exit {rc}'


def tail(path, lines=6):
    """The end of a run's stderr; for a crash, faulthandler's report (innermost frames first)."""
    try:
        text = [x for x in path.read_text(errors='replace').splitlines()
                if x.strip() and not x.startswith('Extension modules:')]
    except FileNotFoundError:
        return ''
    # Paths shortened: the venv and the checkout.
    text = [x.replace(sys.prefix, '<venv>').replace(f'{REPO}/', '') for x in text]
    fatal = [k for k, x in enumerate(text) if x.startswith('Fatal Python error')]
    if fatal:
        return '\n'.join(text[fatal[-1]:fatal[-1] + lines + 2])
    return '\n'.join(text[-lines:])


# ------------------------------------------------------------------------------------------------
# The leader


class Run:
    """One scenario over one RMW: its processes, private directories and measurements."""

    def __init__(self, kind, n, rmw, args, work, held_domains):
        self.kind, self.n, self.rmw, self.args = kind, n, rmw, args
        self.row = {'scenario': kind, 'n': n, 'label': label(kind, n), 'rmw': rmw,
                    'status': 'ok', 'error': ''}
        self.dir = Path(tempfile.mkdtemp(prefix=f'{kind}_{n}_{rmw}_', dir=work))
        self.shm_dir = None
        self.mounted = False
        # Every run of the benchmark gets a domain of its own: the locks are held to the end.
        self.domain_id, lock = claim_domain_id()
        held_domains.append(lock)
        self.row['domain_id'] = self.domain_id
        self.procs = []
        self.lines = queue.Queue()

    def fail(self, why, log=None):
        if self.row['status'] == 'ok':
            if 'nodes' not in self.row and 'created' in self.row:  # died before ready
                why += f', after {self.row["created"]} of {self.n} {UNITS[self.kind]}'
            self.row['status'] = why
            self.row['error'] = tail(log) if log else ''

    def setup_shm(self):
        if self.rmw != 'hazcat':
            self.fastdds_before = fastdds_names()
            return None
        if self.args.shm_size:
            self.shm_dir = Path(tempfile.mkdtemp(prefix='hazcat_scale_tmpfs_'))
            r = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={self.args.shm_size}',
                                'tmpfs', str(self.shm_dir)], capture_output=True, text=True)
            if r.returncode != 0:
                self.shm_dir.rmdir()
                raise SystemExit(f'--shm-size: cannot mount a tmpfs ({r.stderr.strip()}); '
                                 'it needs root')
            self.mounted = True
        else:
            self.shm_dir = Path(tempfile.mkdtemp(prefix='hazcat_scale_', dir='/dev/shm'))
        return self.shm_dir

    def start(self):
        env = system_env(self.rmw, self.args, self.domain_id, self.setup_shm())
        env['ROS_LOG_DIR'] = str(self.dir / 'ros-log')
        # A crash (SIGBUS, SIGSEGV) leaves the Python stack in the run's stderr.
        env['PYTHONFAULTHANDLER'] = '1'
        roles = ['talker', 'listener'] if self.kind == 'talker-listener' else ['main']
        for k, role in enumerate(roles):
            log = self.dir / f'{role}.stderr'
            with open(log, 'w') as err:
                proc = subprocess.Popen(
                    [sys.executable, os.path.abspath(__file__), '__child', self.kind,
                     str(self.n), role], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=err, text=True)
            proc.log = log
            self.procs.append(proc)
            threading.Thread(target=self._read, args=(k, proc), daemon=True).start()

    def _read(self, k, proc):
        for line in proc.stdout:
            if line.startswith('@@'):
                tag, _, body = line[2:].partition(' ')
                self.lines.put((k, tag, json.loads(body)))
        self.lines.put((k, 'eof', None))

    def wait_all(self, tag, deadline):
        """Waits until every process sent `tag`; returns their payloads, or None on a failure
        (recorded in the row; the run's processes still running are killed)."""
        got = self._wait_all(tag, deadline)
        if got is None:
            for proc in self.procs:
                if proc.poll() is None:
                    proc.kill()
        return got

    def _wait_all(self, tag, deadline):
        got = {}
        while len(got) < len(self.procs):
            if self.over_cap():
                return None
            if time.monotonic() > deadline:
                self.fail(f'timeout ({self.args.timeout:.0f} s)', self.procs[0].log)
                return None
            try:
                k, t, body = self.lines.get(timeout=0.25)
            except queue.Empty:
                continue
            if t == 'progress':
                self.row['created'] = body['created']
            elif t == tag:
                got[k] = body
            elif t == 'eof':
                proc = self.procs[k]
                try:
                    rc = proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    rc = None
                self.fail(failure_text(rc), proc.log)
                return None
        return [got[k] for k in range(len(self.procs))]

    def over_cap(self):
        if self.shm_dir is None or self.mounted:
            return False
        kib = dir_blocks_kib(self.shm_dir)
        if kib <= self.args.shm_cap * 1024:
            return False
        self.fail(f'killed: shm dir over --shm-cap {self.args.shm_cap} MiB')
        self.row['shm_kib_at_kill'] = kib
        self.row['objects_at_kill'] = len(os.listdir(self.shm_dir))
        return True

    def execute(self):
        t_start = time.monotonic()
        self.start()
        deadline = t_start + self.args.timeout
        ready = self.wait_all('ready', deadline)
        if ready is not None:
            self.record_ready(ready)
            for proc in self.procs:
                proc.stdin.write('go\n')
                proc.stdin.flush()
            done = self.wait_all('done', deadline)
            if done is not None:
                destroy_s = max(d['destroy_s'] for d in done)
                self.row['destroy_s'] = destroy_s
                self.row['destroy_us_per'] = destroy_s / self.row['timed'] * 1e6
        self.finish(deadline)
        self.row['wall_s'] = round(time.monotonic() - t_start, 2)
        return self.row

    def record_ready(self, ready):
        row = self.row
        row['nodes'] = sum(r['nodes'] for r in ready)
        row['topics'] = len(set().union(*(r['topics'] for r in ready)))
        row['endpoints'] = sum(r['endpoints'] for r in ready)
        # Per process: the processes of a run create and destroy in parallel.
        row['timed'] = ready[0]['timed']
        row['per'] = ready[0]['per']
        # The processes create in parallel: the slower one is the creation time.
        row['create_s'] = max(r['create_s'] for r in ready)
        # The first call is reported apart; per entity is over the others (when there are).
        slowest = max(ready, key=lambda r: r['create_s'])
        row['first_ms'] = slowest['first_s'] * 1e3
        rest = row['timed'] - slowest['per_call']
        row['create_us_per'] = ((row['create_s'] - slowest['first_s']) / rest if rest
                                else row['create_s'] / row['timed']) * 1e6
        row['received'] = sum(r['received'] for r in ready)
        row['rss_base_kib'] = sum(r['rss_base_kib'] for r in ready)
        row['rss_init_kib'] = sum(r['rss_init_kib'] for r in ready)
        pids = [p.pid for p in self.procs]
        rss = {}
        for pid in pids:
            for key, value in status_kib(pid).items():
                rss[key] = rss.get(key, 0) + value
        row['rss_kib'] = rss.get('VmRSS', 0)
        row['rss_anon_kib'] = rss.get('RssAnon', 0)
        row['rss_shmem_kib'] = rss.get('RssShmem', 0)
        if self.rmw == 'hazcat':
            row.update(measure_hazcat(self.shm_dir))
        else:
            row.update(measure_fastdds(self.fastdds_before, pids))

    def finish(self, deadline):
        for proc in self.procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                rc = proc.wait(timeout=max(5.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
                self.fail(f'timeout ({self.args.timeout:.0f} s)', proc.log)
            if rc != 0 and self.row['status'] == 'ok':
                self.fail(failure_text(rc), proc.log)
            elif rc != 0 and self.row['status'].startswith('killed'):
                self.row['error'] = tail(proc.log)
        if self.rmw == 'hazcat':
            left = sorted(os.listdir(self.shm_dir))
            if self.mounted:
                subprocess.run(['umount', str(self.shm_dir)], check=False)
                self.shm_dir.rmdir()
            else:
                shutil.rmtree(self.shm_dir, ignore_errors=True)
        else:
            left = sorted(set(self.row.get('fastdds_files', [])) & fastdds_names())
        self.row['left_behind'] = len(left)
        if self.row['status'] == 'ok' and not left and not self.args.keep_logs:
            shutil.rmtree(self.dir, ignore_errors=True)


def lead(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if 'hazcat' in args.systems:
        if not os.path.isfile(args.rmw_lib or ''):
            raise SystemExit(f'--rmw-lib {args.rmw_lib!r} is not a file '
                             '(build librmw_hazcat_rs.so)')
        args.rmw_lib = os.path.abspath(args.rmw_lib)
    scenarios = QUICK if args.quick else FULL
    if args.only:
        keep = set(args.only.split(','))
        scenarios = [s for s in scenarios if s[0] in keep]
    work = Path(tempfile.mkdtemp(prefix='hazcat_scale_'))
    rows = []
    held_domains = []
    t_start = time.monotonic()
    for k, (kind, n) in enumerate(scenarios):
        order = args.systems if k % 2 == 0 else list(reversed(args.systems))
        for rmw in order:
            row = Run(kind, n, rmw, args, work, held_domains).execute()
            row['run'], row['slot'] = len(rows) + 1, k
            rows.append(row)
            print(f'[{time.monotonic() - t_start:6.0f} s] {row["label"]:<40} {rmw:<9} '
                  f'{row["status"]}  shm {row.get("shm_kib", "-")} KiB  '
                  f'rss {row.get("rss_kib", "-")} KiB  ({row["wall_s"]} s)',
                  file=sys.stderr, flush=True)
    for lock in held_domains:
        lock.close()
    if 'fastrtps' in args.systems:
        clean_fastdds()
    elapsed = time.monotonic() - t_start
    write_outputs(out, rows, args, elapsed)
    if any(work.iterdir()):
        print(f'logs of failed runs: {work}', file=sys.stderr)
    else:
        work.rmdir()
    return 0


def clean_fastdds():
    """Fast DDS's own tool removes the segments no live process uses (as rclpy_suite.sh does)."""
    tool = Path(sys.prefix) / 'tools' / 'fastdds' / 'fastdds.py'
    if tool.is_file():
        subprocess.run([sys.executable, str(tool), 'shm', 'clean'], capture_output=True,
                       timeout=120, check=False)


# ------------------------------------------------------------------------------------------------
# Output

COLUMNS = ['run', 'scenario', 'n', 'label', 'rmw', 'status', 'nodes', 'topics', 'endpoints',
           'objects', 'shm_kib', 'shm_apparent_kib', 'registry_kib', 'topic_objects', 'topic_kib',
           'arena_objects', 'arena_kib', 'other_objects', 'other_kib', 'rss_kib', 'rss_anon_kib',
           'rss_shmem_kib', 'rss_base_kib', 'rss_init_kib', 'timed', 'per', 'create_s',
           'first_ms', 'create_us_per', 'destroy_s', 'destroy_us_per', 'received', 'left_behind',
           'created', 'shm_kib_at_kill', 'objects_at_kill', 'domain_id', 'wall_s', 'error']


def fmt(value, digits=0):
    if value is None or value == '':
        return '—'
    if isinstance(value, float):
        return f'{value:.{digits}f}'
    return str(value)


def find(rows, kind, n, rmw):
    for r in rows:
        if (r['scenario'], r['n'], r['rmw']) == (kind, n, rmw):
            return r
    return None


def ratio(a, b, key):
    if a is None or b is None or not a.get(key) or not b.get(key):
        return None
    return a[key] / b[key]


def targets(rows, systems):
    """(target, measured, verdict) rows for the issue's scale targets, from the hazcat rows (and
    Fast DDS's for the RSS ratio). A failed hazcat run does not meet the targets it measures."""
    out = []

    def check(text, needed, compute, limit, unit, digits=0, strict=False):
        if any(r is None for r in needed):
            out.append((text, 'not measured', '—'))
            return
        failed = [r for r in needed if r['status'] != 'ok' or 'shm_kib' not in r]
        if failed:
            r = failed[0]
            verdict = 'NOT met' if r['rmw'] == 'hazcat' else '—'
            out.append((text, f'{r["label"]} ({r["rmw"]}): {r["status"]}', verdict))
            return
        value = compute(*needed)
        verdict = 'met' if value < limit or (value == limit and not strict) else 'NOT met'
        out.append((text, f'{value:.{digits}f} {unit}', verdict))

    def ns(kind):
        return sorted({r['n'] for r in rows if r['scenario'] == kind and r['rmw'] == 'hazcat'})

    def hz(kind, n):
        return find(rows, kind, n, 'hazcat') if n is not None else None

    nodes, topics = ns('nodes'), ns('topics')
    one = hz('nodes', 1)
    if nodes and nodes[-1] > 1:
        check(f'idle rclpy node ≤ 256 KiB in the shm dir (marginal, nodes 1→{nodes[-1]})',
              [one, hz('nodes', nodes[-1])],
              lambda a, b: (b['shm_kib'] - a['shm_kib']) / (b['n'] - 1), 256, 'KiB')
    check('idle domain\'s registry ≤ 128 KiB (the registry object, 1 node)', [one],
          lambda a: a['registry_kib'], 128, 'KiB')
    tmax = topics[-1] if topics else None
    check(f'topic with 1 pub + 1 sub ≤ 64 KiB plus pools (marginal, 0→{tmax or "?"} topics, '
          'pools excluded)', [one, hz('topics', tmax)],
          lambda a, b: ((b['shm_kib'] - b['arena_kib']) - (a['shm_kib'] - a['arena_kib']))
          / b['n'], 64, 'KiB')
    check('1,000 topics ≤ 100 MiB (the whole shm dir)', [hz('topics', 1000)],
          lambda a: a['shm_kib'] / 1024, 100, 'MiB', 1)
    if 'fastrtps' in systems:
        check('RSS with 1,000 topics ≤ 2× Fast DDS\'s',
              [hz('topics', 1000), find(rows, 'topics', 1000, 'fastrtps')],
              lambda a, b: a['rss_kib'] / b['rss_kib'], 2, '×', 2)
    for kind in ('pubs-distinct', 'pubs-one-topic'):
        ps = ns(kind)
        if len(ps) < 2:
            continue
        for what in ('create', 'destroy'):
            check(f'{what} {ps[-1]} publishers < {ps[-1] // ps[0]}× the time of {ps[0]} ({kind})',
                  [hz(kind, ps[0]), hz(kind, ps[-1])],
                  lambda a, b, what=what: b[f'{what}_s'] / a[f'{what}_s'], ps[-1] / ps[0], '×',
                  2, strict=True)
    for n in ns('talker-listener'):
        check(f'{2 * n}-node talker/listener fits in a 64 MiB shm dir', [hz('talker-listener', n)],
              lambda a: a['shm_kib'] / 1024, 64, 'MiB', 1)
    return out


def write_outputs(out, rows, args, elapsed):
    with open(out / 'hazcat_scale.csv', 'w') as f:
        f.write(','.join(COLUMNS) + '\n')
        for r in rows:
            cells = []
            for c in COLUMNS:
                v = r.get(c, '')
                if isinstance(v, float):
                    v = f'{v:.6g}'
                v = str(v)
                if any(ch in v for ch in ',"\n'):
                    v = '"' + v.replace('"', '""') + '"'
                cells.append(v)
            f.write(','.join(cells) + '\n')

    head = ['scenario', 'rmw', 'nodes', 'topics', 'endpoints', 'objects', 'shm resident KiB',
            'shm apparent KiB', 'RSS KiB', 'first ms', 'create µs/entity', 'destroy µs/entity',
            'entity', 'status']
    lines = ['| ' + ' | '.join(head) + ' |', '|---|---|' + '---:|' * 10 + '---|---|']
    # Scenario by scenario, hazcat first (the CSV keeps the order of the runs).
    order = {s: k for k, s in enumerate(args.systems)}
    for r in sorted(rows, key=lambda r: (r['slot'], order[r['rmw']])):
        lines.append('| ' + ' | '.join([
            r['label'], r['rmw'], fmt(r.get('nodes')), fmt(r.get('topics')),
            fmt(r.get('endpoints')), fmt(r.get('objects')), fmt(r.get('shm_kib')),
            fmt(r.get('shm_apparent_kib')), fmt(r.get('rss_kib')), fmt(r.get('first_ms'), 1),
            fmt(r.get('create_us_per'), 1), fmt(r.get('destroy_us_per'), 1),
            fmt(r.get('per')),
            r['status'] + (f', {r["left_behind"]} left behind' if r.get('left_behind') else '')])
            + ' |')
    md = ['## hazcat-scale' + (f' (hazcat in a {args.shm_size} tmpfs)' if args.shm_size else ''),
          '', '\n'.join(lines), '']

    if len(args.systems) == 2:
        head = ['scenario', 'RSS', 'shm resident', 'create µs/entity', 'destroy µs/entity']
        lines = ['| ' + ' | '.join(head) + ' |', '|---|' + '---:|' * 4]
        seen = []
        for r in rows:
            key = (r['scenario'], r['n'])
            if key in seen:
                continue
            seen.append(key)
            a, b = find(rows, *key, 'hazcat'), find(rows, *key, 'fastrtps')
            lines.append('| ' + ' | '.join(
                [r['label']] + [fmt(ratio(a, b, k), 2) for k in
                                ('rss_kib', 'shm_kib', 'create_us_per', 'destroy_us_per')]) + ' |')
        md += ['### hazcat / Fast DDS (below 1: hazcat smaller or faster)', '', '\n'.join(lines),
               '']

    hz = [r for r in rows if r['rmw'] == 'hazcat' and 'shm_kib' in r]
    if hz:
        head = ['scenario', 'registry KiB', 'topic objects', 'topic KiB', 'pools', 'pool KiB',
                'other objects', 'other KiB']
        lines = ['| ' + ' | '.join(head) + ' |', '|---|' + '---:|' * 7]
        for r in hz:
            lines.append('| ' + ' | '.join([r['label']] + [fmt(r.get(k)) for k in (
                'registry_kib', 'topic_objects', 'topic_kib', 'arena_objects', 'arena_kib',
                'other_objects', 'other_kib')]) + ' |')
        md += ['### hazcat\'s objects by kind (resident KiB)', '', '\n'.join(lines), '']

    lines = ['| target | measured | verdict |', '|---|---:|---|']
    lines += [f'| {t} | {m} | {v} |' for t, m, v in targets(rows, args.systems)]
    md += ['### Scale targets (hazcat)', '', '\n'.join(lines), '']

    failed = [r for r in rows if r['status'] != 'ok']
    if failed:
        md += ['### Failures', '']
        for r in failed:
            md += [f'* **{r["label"]}, {r["rmw"]}**: {r["status"]}'
                   + (f' (hazcat dir at {r["shm_kib_at_kill"]} KiB, {r["objects_at_kill"]} '
                      'objects when killed)'
                      if r.get('shm_kib_at_kill') else ''),
                   '', '  ```', *['  ' + x for x in (r['error'] or '(no stderr)').splitlines()],
                   '  ```', '']
    md += [f'{"--quick; " if args.quick else ""}one fresh run per scenario and RMW '
           f'(order alternating); {elapsed:.0f} s in all. Columns: benchmarks/README.md.', '']
    text = '\n'.join(md)
    (out / 'hazcat_scale.md').write_text(text)
    (out / 'hazcat_scale.json').write_text(json.dumps(
        {'systems': args.systems, 'rmw': {s: SYSTEMS[s] for s in args.systems},
         'quick': args.quick, 'shm_size': args.shm_size, 'elapsed_s': elapsed, 'rows': rows},
        indent=1))
    print(text)
    print(f'wrote {out}/hazcat_scale.csv, .md, .json', file=sys.stderr)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == '__child':
        return child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--rmw-lib', default=os.environ.get('HAZCAT_RMW_LIB', ''),
                   help='librmw_hazcat_rs.so (LD_PRELOADed into the hazcat processes)')
    p.add_argument('--rmw', choices=('hazcat', 'fastrtps', 'both'), default='both')
    p.add_argument('--quick', action='store_true',
                   help='smaller scenarios: nodes 1,10; topics 10,100; publishers 100,1000')
    p.add_argument('--only', default='',
                   help='comma-separated scenario kinds (nodes,topics,pubs-distinct,'
                        'pubs-one-topic,talker-listener)')
    p.add_argument('--shm-size', default='',
                   help='run hazcat in a fresh tmpfs of this size per run (e.g. 64M, Docker\'s '
                        'default /dev/shm); needs root for mount')
    p.add_argument('--shm-cap', type=int, default=4096,
                   help='MiB: a hazcat run whose directory grows beyond this is killed and '
                        'reported (protects the machine\'s /dev/shm; default 4096)')
    p.add_argument('--timeout', type=float, default=300.0, help='seconds per run (default 300)')
    p.add_argument('--keep-logs', action='store_true', help='keep every run\'s stderr and logs')
    p.add_argument('--out', default='bench-results/scale', help='output directory')
    args = p.parse_args()
    args.systems = ['hazcat', 'fastrtps'] if args.rmw == 'both' else [args.rmw]
    return lead(args)


if __name__ == '__main__':
    sys.exit(main())
