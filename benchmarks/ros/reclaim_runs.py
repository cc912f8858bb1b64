"""reclaim-runs: does prompt reclamation keep the shared-memory directory flat while short-lived
ROS processes come and go beside a long-lived one? (a measurement, not a test)

    <venv>/bin/python benchmarks/ros/reclaim_runs.py --rmw-lib target/release/librmw_hazcat_rs.so
    (scripts/reclaim_runs.sh builds the library, makes a private shm directory and runs this)

A long-lived rclpy process (node `reclaim_long`: a publisher on /reclaim/shared at 20 Hz, a
subscription to it, and rclpy's parameter services) runs throughout. Then --runs times, one after
the other, a short-lived rclpy process (this file re-executed with a role argument) starts a node
with a publisher and a subscription on /reclaim/shared, waits for a message of the long-lived
node, publishes one, calls the long-lived node's `get_parameters` service and ends as its run
number says, in turn:

  clean       destroys its node, rclpy.shutdown(), exits
  noshutdown  exits (sys.exit) without destroying anything or shutting rclpy down
  kill        is SIGKILLed by the leader while everything is still open

After each run the leader counts the objects in the private HAZCAT_SHM_DIR and their resident
size (`du -sk`); every --every runs it also asks the long-lived node to count its publisher's
matched subscriptions (which sweeps dead peers and reclaims what they held, as any graph query
does) and measures again, with the long-lived process's VmRSS.

Flat: the last sample (right after a run, before any sweep) is no larger than the first sample
after the warm-up (the first --every runs) plus what one short run can leave until the next sweep
(the largest drop a sweep made at any sample). The leader prints the table and writes
reclaim_runs.csv (the samples), reclaim_runs_per_run.csv (objects and KiB after every run) and
reclaim_runs.md. Exit status 0 when flat, 1 when not, 2 when a run failed.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rclpy_pingpong import claim_domain_id, system_env  # noqa: E402

MODES = ('clean', 'noshutdown', 'kill')
TOPIC = '/reclaim/shared'
LONG_NODE = 'reclaim_long'
# Only a failure waits this long.
STEP_TIMEOUT_S = 60.0


def say(line):
    """Sends `@@line` to the leader in one write(): a forked short run and its fork server share
    the pipe, and a write of up to PIPE_BUF bytes is never interleaved with another."""
    os.write(1, f'@@{line}\n'.encode())


def status_rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


# ------------------------------------------------------------------------------------------------
# The ROS processes


def spin_until(executor, cond, what):
    end = time.monotonic() + STEP_TIMEOUT_S
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f'timed out waiting for {what}')
        executor.spin_once(timeout_sec=0.05)


class PubSubNode:
    """rclpy initialised and a node with a publisher and a counting subscription on TOPIC, in
    an executor of its own."""

    def __init__(self, name):
        import rclpy
        from rclpy.executors import SingleThreadedExecutor
        from std_msgs.msg import String

        rclpy.init()
        self.node = rclpy.create_node(name)
        self.pub = self.node.create_publisher(String, TOPIC, 10)
        self.heard = 0
        self.node.create_subscription(String, TOPIC, self._hear, 10)
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.node)

    def _hear(self, _msg):
        self.heard += 1

    def spin_until(self, cond, what):
        spin_until(self.executor, cond, what)

    def shutdown(self):
        import rclpy
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown()


def long_lived():
    """The long-lived node: publishes at 20 Hz and answers 'sweep' (a graph query: dead peers
    are swept) until stdin closes, then shuts down cleanly."""
    from std_msgs.msg import String

    me = PubSubNode(LONG_NODE)
    msg = String(data='from the long-lived node')
    me.node.create_timer(0.05, lambda: me.pub.publish(msg))
    commands = []
    wake = me.node.create_guard_condition(lambda: None)

    def read():
        for line in sys.stdin:
            commands.append(line.strip())
            wake.trigger()
        commands.append('exit')
        wake.trigger()

    threading.Thread(target=read, daemon=True).start()
    me.spin_until(lambda: me.heard > 0, 'its own message')
    say('ready')
    while True:
        me.executor.spin_once(timeout_sec=0.1)
        while commands:
            cmd = commands.pop(0)
            if cmd == 'sweep':
                say(f'swept {me.pub.get_subscription_count()}')
            elif cmd == 'exit':
                me.shutdown()
                return 0


def short_lived(run, mode):
    from rcl_interfaces.srv import GetParameters
    from std_msgs.msg import String

    me = PubSubNode(f'reclaim_short_{run}')
    client = me.node.create_client(GetParameters, f'/{LONG_NODE}/get_parameters')
    me.spin_until(lambda: me.heard > 0, 'a message of the long-lived node')
    me.pub.publish(String(data=f'from run {run}'))
    me.spin_until(client.service_is_ready, 'the parameter service')
    future = client.call_async(GetParameters.Request(names=['use_sim_time']))
    me.spin_until(future.done, 'the service response')
    if future.result() is None or len(future.result().values) != 1:
        raise SystemExit(f'bad service response {future.result()!r}')
    say(f'done {run}')
    if mode == 'clean':
        me.shutdown()
        return 0
    if mode == 'noshutdown':
        sys.exit(0)
    while True:  # 'kill': everything stays open until SIGKILL
        signal.pause()


def fork_server():
    """Imports what a short run needs, then forks one short run per stdin line `<run> <mode>`,
    answering `pid <pid>` and, once it ended, `exit <status>` (negative: the signal)."""
    import rclpy
    import rclpy.executors
    import rclpy.node
    from rclpy.type_support import check_for_type_support
    # The types a node loads (parameter, type description, logging services and topics), and
    # the benchmark's own.
    from rcl_interfaces import msg as rcl_msg, srv as rcl_srv
    from std_msgs.msg import String
    from type_description_interfaces.srv import GetTypeDescription
    for t in (String, GetTypeDescription, rcl_msg.Log, rcl_msg.ParameterEvent,
              *(getattr(rcl_srv, n) for n in ('DescribeParameters', 'GetParameters',
                                              'GetParameterTypes', 'ListParameters',
                                              'SetParameters', 'SetParametersAtomically'))):
        check_for_type_support(t)
    assert not rclpy.ok()  # never initialised here: the children join, not this process
    say('ready')
    for line in sys.stdin:
        run, mode = line.split()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            sys.exit(short_lived(int(run), mode))
        say(f'pid {pid}')
        _, status = os.waitpid(pid, 0)
        say(f'exit {os.waitstatus_to_exitcode(status)}')
    return 0


# ------------------------------------------------------------------------------------------------
# The leader


class Proc:
    """A child process of this file, its '@@' lines read by a thread."""

    def __init__(self, args, env, log):
        with open(log, 'w') as err:
            self.p = subprocess.Popen([sys.executable, os.path.abspath(__file__), '__child']
                                      + args, env=env, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=err, text=True)
        self.log = log
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            if line.startswith('@@'):
                with self.cond:
                    self.lines.append(line[2:].strip())
                    self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def expect(self, prefix):
        """The rest of the first line starting with `prefix` (a forked short run and its fork
        server write to one pipe, so other lines may come first; they stay queued)."""
        def found():
            return next((k for k, x in enumerate(self.lines) if x is None or x.startswith(prefix)),
                        None)
        with self.cond:
            if not self.cond.wait_for(lambda: found() is not None, timeout=STEP_TIMEOUT_S):
                raise RuntimeError(f'no {prefix!r} within {STEP_TIMEOUT_S:.0f} s: '
                                   f'{tail(self.log)}')
            line = self.lines.pop(found())
        if line is None:
            raise RuntimeError(f'ended before {prefix!r}: {tail(self.log)}')
        return line[len(prefix):].strip()

    def send(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()


def tail(path, lines=8):
    try:
        return '\n'.join(Path(path).read_text(errors='replace').splitlines()[-lines:])
    except FileNotFoundError:
        return ''


def measure(shm_dir):
    """(objects, resident KiB as `du -sk` counts it) of the shm directory."""
    objects = len(os.listdir(shm_dir))
    out = subprocess.run(['du', '-sk', str(shm_dir)], capture_output=True, text=True).stdout
    return objects, int(out.split()[0])


class ExecSpawner:
    """Short runs as fresh interpreters (this file re-executed): what a `ros2` CLI call is."""

    def __init__(self, env, work):
        self.env, self.log = env, work / 'short.stderr'

    def run(self, run, mode):
        child = Proc(['short', str(run), mode], self.env, self.log)
        try:
            child.expect('done')
            if mode == 'kill':
                child.p.send_signal(signal.SIGKILL)
            else:
                child.p.stdin.close()
            return child.p.wait(timeout=STEP_TIMEOUT_S)
        except Exception:
            child.p.kill()
            child.p.wait()
            raise

    def close(self):
        pass

    def kill(self):
        pass  # a failed run's process is killed by run()


class ForkSpawner:
    """Short runs forked by a server process that imported rclpy and the type supports a node
    loads (about 1 s of a fresh interpreter's start here) but never initialised rclpy: each run
    is still its own process, which joins, leaves or dies on its own."""

    def __init__(self, env, work):
        self.server = Proc(['forkserver'], env, work / 'short.stderr')
        self.server.expect('ready')
        self.pid = None

    def run(self, run, mode):
        self.server.send(f'{run} {mode}')
        self.pid = int(self.server.expect('pid'))
        self.server.expect(f'done {run}')
        if mode == 'kill':
            os.kill(self.pid, signal.SIGKILL)
        rc = int(self.server.expect('exit'))
        self.pid = None
        return rc

    def close(self):
        self.server.p.stdin.close()
        self.server.p.wait(timeout=STEP_TIMEOUT_S)

    def kill(self):
        """After a failure: the run in progress and the server (its child would outlive it)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.server.p.kill()
        self.server.p.wait()


def one_run(spawner, run, log):
    mode = MODES[run % len(MODES)]
    rc = spawner.run(run, mode)
    expected = -signal.SIGKILL if mode == 'kill' else 0
    if rc != expected:
        raise RuntimeError(f'run {run} ({mode}) exited {rc}: {tail(log)}')
    return mode


def lead(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    args.rmw_lib = os.path.abspath(args.rmw_lib)
    if not os.path.isfile(args.rmw_lib):
        raise SystemExit(f'--rmw-lib {args.rmw_lib!r} is not a file (build librmw_hazcat_rs.so)')
    own_dir = args.shm_dir is None
    shm_dir = Path(args.shm_dir or tempfile.mkdtemp(prefix='hazcat_reclaim_', dir='/dev/shm'))
    if any(shm_dir.iterdir()):
        raise SystemExit(f'--shm-dir {shm_dir} is not empty')
    domain_id, domain_lock = claim_domain_id()
    work = Path(tempfile.mkdtemp(prefix='hazcat_reclaim_logs_'))
    env = system_env('hazcat', args, domain_id, shm_dir)
    env['ROS_LOG_DIR'] = str(work / 'ros-log')
    samples, per_run, failure, spawner = [], [], None, None
    t0 = time.monotonic()
    long = Proc(['long'], env, work / 'long.stderr')
    try:
        long.expect('ready')

        def sample(runs):
            objects, kib = measure(shm_dir)
            long.send('sweep')
            long.expect('swept')
            swept_objects, swept_kib = measure(shm_dir)
            row = {'runs': runs, 'objects': objects, 'kib': kib, 'swept_objects': swept_objects,
                   'swept_kib': swept_kib, 'long_rss_kib': status_rss_kib(long.p.pid),
                   'elapsed_s': round(time.monotonic() - t0, 1)}
            samples.append(row)
            print(f'[{row["elapsed_s"]:7.1f} s] {runs:5d} runs: {objects:4d} objects '
                  f'{kib:6d} KiB; after a sweep {swept_objects:4d} objects {swept_kib:6d} KiB; '
                  f'long-lived RSS {row["long_rss_kib"]} KiB', file=sys.stderr, flush=True)

        spawner = (ForkSpawner if args.spawn == 'fork' else ExecSpawner)(env, work)
        sample(0)
        for run in range(args.runs):
            mode = one_run(spawner, run, work / 'short.stderr')
            objects, kib = measure(shm_dir)
            per_run.append({'run': run + 1, 'mode': mode, 'objects': objects, 'kib': kib})
            if (run + 1) % args.every == 0 or run + 1 == args.runs:
                sample(run + 1)
        spawner.close()
    except Exception as exc:  # recorded in the outputs; the processes are stopped below
        failure = f'{type(exc).__name__}: {exc}'
        print(f'FAILED: {failure}', file=sys.stderr)
        if spawner is not None:
            spawner.kill()
    finally:
        try:
            long.p.stdin.close()
            long.p.wait(timeout=STEP_TIMEOUT_S)
        except Exception:
            long.p.kill()
            long.p.wait()
    left = sorted(os.listdir(shm_dir))
    if own_dir:
        for name in left:
            (shm_dir / name).unlink()
        shm_dir.rmdir()
    domain_lock.close()
    verdict = judge(samples, args)
    write_outputs(out, samples, per_run, args, verdict, failure, left,
                  time.monotonic() - t0, domain_id)
    print(Path(out / 'reclaim_runs.md').read_text())
    if failure is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f'logs: {work}', file=sys.stderr)
    if failure is not None:
        return 2
    return 0 if verdict['flat'] else 1


def judge(samples, args):
    """The flatness verdict (see the module docs), per measure."""
    if len(samples) < 3:
        return {'flat': False, 'why': 'too few samples'}
    warm = next((s for s in samples if s['runs'] >= args.every), samples[1])
    last = samples[-1]
    out = {'warm_runs': warm['runs'], 'last_runs': last['runs'], 'flat': True, 'checks': []}
    for key, unit in (('objects', 'objects'), ('kib', 'KiB')):
        slack = max(s[key] - s[f'swept_{key}'] for s in samples)
        limit = warm[key] + slack
        ok = last[key] <= limit
        out['flat'] &= ok
        out['checks'].append({'measure': unit, 'first': warm[key], 'slack': slack,
                              'limit': limit, 'last': last[key], 'ok': ok,
                              'swept_first': warm[f'swept_{key}'],
                              'swept_last': last[f'swept_{key}']})
    return out


def write_csv(path, rows, columns):
    with open(path, 'w') as f:
        f.write(','.join(columns) + '\n')
        for r in rows:
            f.write(','.join(str(r.get(c, '')) for c in columns) + '\n')


def write_outputs(out, samples, per_run, args, verdict, failure, left, elapsed, domain_id):
    cols = ['runs', 'objects', 'kib', 'swept_objects', 'swept_kib', 'long_rss_kib', 'elapsed_s']
    write_csv(out / 'reclaim_runs.csv', samples, cols)
    write_csv(out / 'reclaim_runs_per_run.csv', per_run, ['run', 'mode', 'objects', 'kib'])
    lines = ['# reclaim-runs', '',
             f'{args.runs} short-lived rclpy processes, one after the other, beside a long-lived '
             'one (publisher at 20 Hz + subscription on /reclaim/shared, its parameter '
             'services); each short run: a node with a publisher and a subscription on the '
             'topic, one message received and one published, one `get_parameters` call to the '
             'long-lived node; ended in turn by clean shutdown, exit without shutdown, SIGKILL. '
             f'Private HAZCAT_SHM_DIR, ROS domain {domain_id}, {elapsed:.0f} s in all.', '',
             '"after run": measured right after the run ended (what a killed run left is still '
             'there: nobody has swept since); "after sweep": after the long-lived node\'s next '
             'graph query swept dead peers.', '',
             '| runs | objects after run | KiB after run | objects after sweep | '
             'KiB after sweep | long-lived RSS KiB | elapsed s |',
             '|---:|---:|---:|---:|---:|---:|---:|']
    for s in samples:
        lines.append(f'| {s["runs"]} | {s["objects"]} | {s["kib"]} | {s["swept_objects"]} | '
                     f'{s["swept_kib"]} | {s["long_rss_kib"]} | {s["elapsed_s"]} |')
    lines.append('')
    if failure:
        lines.append(f'**Run failed:** {failure}')
        lines.append('')
    if 'checks' in verdict:
        lines.append(f'Flat (last sample, run {verdict["last_runs"]}, ≤ first after the '
                     f'warm-up, run {verdict["warm_runs"]}, + what one run leaves until the '
                     f'next sweep): **{"yes" if verdict["flat"] else "NO"}**')
        lines.append('')
        lines.append('| measure | first after warm-up | one-run slack | limit | last | '
                     'after sweep: first → last | flat |')
        lines.append('|---|---:|---:|---:|---:|---|---|')
        for c in verdict['checks']:
            lines.append(f'| {c["measure"]} | {c["first"]} | {c["slack"]} | {c["limit"]} | '
                         f'{c["last"]} | {c["swept_first"]} → {c["swept_last"]} | '
                         f'{"yes" if c["ok"] else "NO"} |')
    else:
        lines.append(f'Flat: not judged ({verdict["why"]})')
    lines.append('')
    lines.append('cleanup check: ' + ('the shm directory was empty after the long-lived node '
                                      'exited' if not left else f'left behind {left}'))
    (out / 'reclaim_runs.md').write_text('\n'.join(lines) + '\n')
    (out / 'reclaim_runs.json').write_text(json.dumps(
        {'samples': samples, 'verdict': verdict, 'failure': failure, 'left_behind': left},
        indent=1))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == '__child':
        if sys.argv[2] == 'long':
            return long_lived()
        if sys.argv[2] == 'forkserver':
            return fork_server()
        return short_lived(int(sys.argv[3]), sys.argv[4])
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rmw-lib', required=True, help='librmw_hazcat_rs.so to preload')
    ap.add_argument('--runs', type=int, default=1000)
    ap.add_argument('--every', type=int, default=100, help='runs between samples')
    ap.add_argument('--spawn', choices=('fork', 'exec'), default='fork',
                    help='short runs forked by a server that pre-imported rclpy (default), or '
                    'fresh interpreters (about 1 s more per run)')
    ap.add_argument('--shm-dir', help='an empty private HAZCAT_SHM_DIR (default: a new one '
                    'under /dev/shm, removed at the end)')
    ap.add_argument('--out', default='bench-results/reclaim')
    return lead(ap.parse_args())


if __name__ == '__main__':
    sys.exit(main())
