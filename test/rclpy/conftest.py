"""The rclpy suite's fixtures: ROS processes (agent.py) driven from the test, one RMW per run.

HAZCAT_RCLPY_RMW=hazcat (default) runs every ROS process over librmw_hazcat_rs.so, interposed with
LD_PRELOAD=$HAZCAT_RMW_LIB and RMW_IMPLEMENTATION=rmw_hazcat_rs; HAZCAT_RCLPY_RMW=fastrtps runs
them over the wheels' Fast DDS (both variables removed), the control. Run it through
scripts/rclpy_suite.sh.

Each test gets the `ros` fixture: a private HAZCAT_SHM_DIR, ROS_DOMAIN_ID and log directory, and
the processes it starts with ros.agent(). At the end every process still running is asked to shut
down and must exit with status 0; under hazcat the shared-memory directory must then be empty.

No sleeps: every wait is on a condition (a reply that an agent sends when its condition holds, or
wait_until polling a query), with a generous timeout that only detects a failure.
"""

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from domain_lock import claim_domain_id

HERE = Path(__file__).resolve().parent
RMW = os.environ.get('HAZCAT_RCLPY_RMW', 'hazcat')
HAZCAT = RMW == 'hazcat'
RMW_LIB = os.environ.get('HAZCAT_RMW_LIB', '')
RMW_IDENTIFIER = {'hazcat': 'rmw_hazcat_rs', 'fastrtps': 'rmw_fastrtps_cpp'}
# Generous: only a failure ever waits this long.
TIMEOUT = float(os.environ.get('HAZCAT_RCLPY_TIMEOUT', '30'))
# Durations as rclpy reports them: "infinite" is RMW_DURATION_INFINITE in nanoseconds.
INFINITE_NS = 2 ** 63 - 1

hazcat_only = pytest.mark.skipif(
    not HAZCAT, reason='hazcat-only check (shared-memory directory); the control has none')

def pytest_configure(config):
    if RMW not in RMW_IDENTIFIER:
        pytest.exit(f'HAZCAT_RCLPY_RMW must be hazcat or fastrtps, not {RMW!r}', returncode=4)
    if HAZCAT and not os.path.isfile(RMW_LIB):
        pytest.exit(f'HAZCAT_RMW_LIB={RMW_LIB!r} is not a file: build librmw_hazcat_rs.so '
                    'first (see scripts/rclpy_suite.sh)', returncode=4)


def pytest_report_header(config):
    if HAZCAT:
        return [f'rmw: hazcat ({RMW_LIB}); shm directory checked empty after each test']
    return ['rmw: fastrtps (control); hazcat-only checks (shm directory) are skipped']


class AgentError(AssertionError):
    pass


class Agent:
    """One agent.py process; agent.OP(key, **args) sends a command and returns its reply."""

    def __init__(self, ros, name, ns):
        self.name = name
        self.log = ros.dir / f'{name}.{len(ros.agents)}.log'
        self.replies = {}
        self.arrived = threading.Condition()
        self.ids = itertools.count(1)
        self.killed = False
        with open(self.log, 'w') as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(HERE / 'agent.py'), name, ns], cwd=HERE, env=ros.env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
                encoding='utf-8', bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith('@@'):
                reply = json.loads(line[2:])
                with self.arrived:
                    self.replies[reply['id']] = reply
                    self.arrived.notify_all()
        with self.arrived:
            self.replies['eof'] = True
            self.arrived.notify_all()

    def _wait_reply(self, rid, timeout):
        end = time.monotonic() + timeout
        with self.arrived:
            while rid not in self.replies:
                left = end - time.monotonic()
                if 'eof' in self.replies or left <= 0:
                    why = 'exited' if 'eof' in self.replies else 'did not answer'
                    raise AgentError(f'{self.name} {why} (waiting for reply {rid}); '
                                     f'stderr:\n{self.stderr_tail()}')
                self.arrived.wait(left)
            reply = self.replies.pop(rid)
        if not reply['ok']:
            raise AgentError(f"{self.name}: {reply['error']}\nstate: {reply.get('state')}\n"
                             f'stderr:\n{self.stderr_tail()}')
        return reply

    def started(self):
        hello = self._wait_reply(0, TIMEOUT)
        assert hello['rmw'] == RMW_IDENTIFIER[RMW], hello
        self.pid = hello['pid']
        return self

    def cmd(self, op, *positional, timeout=TIMEOUT, **args):
        """Positional arguments are the entity key, then the event kind."""
        rid = next(self.ids)
        args.update(zip(('key', 'kind'), positional))
        self.proc.stdin.write(json.dumps({'id': rid, 'op': op, 'timeout': timeout, **args},
                                         default=list) + '\n')
        self.proc.stdin.flush()
        return self._wait_reply(rid, timeout + 10)

    def __getattr__(self, op):
        if op.startswith('_'):
            raise AttributeError(op)
        return lambda *positional, **args: self.cmd(op, *positional, **args)

    def stderr_tail(self, lines=40):
        return '\n'.join(self.log.read_text(errors='replace').splitlines()[-lines:])

    def kill(self):
        """SIGKILL, as a crash: nothing of the process runs any more."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT)
        self.killed = True

    def exit(self):
        """Orderly: destroy the nodes, rclpy.shutdown(), exit status 0."""
        if self.proc.poll() is None:
            self.cmd('exit')
            self.proc.stdin.close()
        try:
            code = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AgentError(f'{self.name} did not exit; stderr:\n{self.stderr_tail()}')
        if code != 0:
            raise AgentError(f'{self.name} exited with {code}; stderr:\n{self.stderr_tail()}')


class Ros:
    """The processes of one test and their private environment."""

    def __init__(self, tmp_path):
        self.dir = tmp_path
        self.shm = tmp_path / 'shm'
        self.shm.mkdir()
        (tmp_path / 'log').mkdir()
        self.domain_id, self.domain_lock = claim_domain_id()
        env = dict(os.environ)
        env.update(ROS_DOMAIN_ID=str(self.domain_id), HAZCAT_SHM_DIR=str(self.shm),
                   ROS_LOG_DIR=str(tmp_path / 'log'), PYTHONDONTWRITEBYTECODE='1',
                   PYTHONUNBUFFERED='1')
        env.pop('RMW_IMPLEMENTATION', None)
        env.pop('LD_PRELOAD', None)
        if HAZCAT:
            env.update(LD_PRELOAD=RMW_LIB, RMW_IMPLEMENTATION=RMW_IDENTIFIER['hazcat'])
        else:
            # Fast DDS 2 (Jazzy) and 3 (Kilted) read different variables.
            profile = str(HERE / 'fastdds_profile.xml')
            # (Fast DDS's default transports, shared memory included, as users run it; the
            # segments of killed processes are removed by scripts/rclpy_suite.sh afterwards.)
            env.update(FASTRTPS_DEFAULT_PROFILES_FILE=profile,
                       FASTDDS_DEFAULT_PROFILES_FILE=profile)
        self.env = env
        self.agents = []

    def agents_of(self, *names, ns=''):
        """Starts one process per name (in parallel) and returns them once all are up."""
        started = [Agent(self, name, ns) for name in names]
        self.agents.extend(started)
        return [a.started() for a in started]

    def agent(self, name, ns=''):
        return self.agents_of(name, ns=ns)[0]

    def close(self):
        """Orderly exit of every process still running; returns the first failure."""
        failure = None
        for agent in self.agents:
            if agent.killed:
                continue
            try:
                agent.exit()
            except AgentError as exc:
                failure = failure or exc
        self.domain_lock.close()
        return failure

    def shm_objects(self):
        return sorted(os.listdir(self.shm))


@pytest.fixture
def ros(tmp_path):
    session = Ros(tmp_path)
    try:
        yield session
    finally:
        failure = session.close()
    if failure:
        raise failure
    if HAZCAT:
        assert session.shm_objects() == [], 'objects left in the shared-memory directory'


def wait_until(query, check, timeout=TIMEOUT, what='condition'):
    """Calls query() until check(result) holds; returns the result. Polling here only stands in
    for an event the API does not offer; the timeout detects a failure."""
    end = time.monotonic() + timeout
    while True:
        result = query()
        if check(result):
            return result
        if time.monotonic() > end:
            raise AssertionError(f'timed out waiting for {what}; last: {result!r}')
        time.sleep(0.05)
