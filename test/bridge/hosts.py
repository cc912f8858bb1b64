"""Several "hosts" on one machine: network namespaces, each with a veth link into one Linux
bridge device (in a "switch" namespace), each with its own hazcat shared-memory directory, its
own `hazcat-bridge` and its own rclpy processes.

Everything here runs as root (CI does). Namespace and link names carry the pid, so concurrent
runs do not collide; Net.close() removes them whatever happened.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RCLPY_DIR = HERE.parent / 'rclpy'
TIMEOUT = float(os.environ.get('HAZCAT_BRIDGE_TIMEOUT', '30'))
# ROS domain of every process of these tests (each host's shm directory is private anyway).
DOMAIN = 42
STRING = 'std_msgs/msg/String'


def wait_until(what, check, timeout=TIMEOUT):
    """Polls check() until it returns something true, which is returned."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f'timed out waiting for {what}')
        time.sleep(0.1)


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Net:
    """Hosts as network namespaces, each joined by a veth pair to one Linux bridge device in a
    namespace of its own (the "switch"), so that one host's link can be cut (`cut`) and restored
    (`restore`) while the others keep theirs. Host i of `sides` gets 10.77.0.<i+1>/24.

    Names carry a tag (the pid, or HAZCAT_BRIDGE_NET_TAG): namespaces hzbr<tag><side> and
    hzbr<tag>s (the switch), links hzv<tag><side> (host end) and hzp<tag><side> (switch end).
    """

    SWITCH = 's'

    def __init__(self, sides='ab'):
        assert self.SWITCH not in sides
        # scripts/bridge_check.sh passes its own tag, to remove the namespaces even if this
        # process is killed.
        tag = os.environ.get('HAZCAT_BRIDGE_NET_TAG') or str(os.getpid() % 100000)
        self.sides = sides
        self.ns = {side: f'hzbr{tag}{side}' for side in (*sides, self.SWITCH)}
        self.addr = {side: f'10.77.0.{i + 1}' for i, side in enumerate(sides)}
        self.link = {side: f'hzv{tag}{side}' for side in sides}
        self.port = {side: f'hzp{tag}{side}' for side in sides}
        self.created = []
        try:
            for side in (self.SWITCH, *sides):
                run('ip', 'netns', 'add', self.ns[side])
                self.created.append(self.ns[side])
            self.exec_(self.SWITCH, 'ip', 'link', 'add', 'sw0', 'type', 'bridge')
            self.exec_(self.SWITCH, 'ip', 'link', 'set', 'sw0', 'up')
            for side in sides:
                run('ip', 'link', 'add', self.link[side], 'type', 'veth', 'peer', 'name',
                    self.port[side])
                run('ip', 'link', 'set', self.link[side], 'netns', self.ns[side])
                run('ip', 'link', 'set', self.port[side], 'netns', self.ns[self.SWITCH])
                self.exec_(self.SWITCH, 'ip', 'link', 'set', self.port[side], 'master', 'sw0')
                self.exec_(self.SWITCH, 'ip', 'link', 'set', self.port[side], 'up')
                self.exec_(side, 'ip', 'addr', 'add', f'{self.addr[side]}/24', 'dev',
                           self.link[side])
                self.exec_(side, 'ip', 'link', 'set', self.link[side], 'up')
                self.exec_(side, 'ip', 'link', 'set', 'lo', 'up')
        except Exception:
            self.close()
            raise

    def exec_(self, side, *cmd):
        run('ip', 'netns', 'exec', self.ns[side], *cmd)

    def prefix(self, side):
        return ['ip', 'netns', 'exec', self.ns[side]]

    def cut(self, side):
        """Takes `side`'s link down (its address stays; packets to and from it are lost)."""
        self.exec_(side, 'ip', 'link', 'set', self.link[side], 'down')

    def restore(self, side):
        self.exec_(side, 'ip', 'link', 'set', self.link[side], 'up')

    def close(self):
        # Deleting a namespace deletes the veth ends in it, and with them their peers.
        for ns in self.created:
            subprocess.run(['ip', 'netns', 'del', ns], stderr=subprocess.DEVNULL)
        self.created = []
        # A veth made but not yet moved (setup failed half-way) is still in this namespace.
        for name in self.port.values():
            subprocess.run(['ip', 'link', 'del', name], stderr=subprocess.DEVNULL)


class Proc:
    """A process in a namespace, stdout read line by line on a thread, stderr to a log file."""

    def __init__(self, cmd, env, log):
        self.log = log
        self.lines = []
        self.cond = threading.Condition()
        self.eof = False
        with open(log, 'w') as err:
            self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=err, text=True,
                                         encoding='utf-8', bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip('\n'))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_line(self, pred, timeout=TIMEOUT, start=0):
        """Index and text of the first stdout line (from `start`) for which pred holds."""
        end = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return i, self.lines[i]
                    i += 1
                left = end - time.monotonic()
                if self.eof or left <= 0:
                    raise AssertionError(f'{self.log.name}: no such line (exited: {self.eof}); '
                                         f'stderr:\n{self.tail()}')
                self.cond.wait(left)

    def tail(self, n=40):
        return '\n'.join(Path(self.log).read_text(errors='replace').splitlines()[-n:])

    def stop(self, sig=signal.SIGTERM):
        """Signals the process and returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f'{self.log.name} did not exit; stderr:\n{self.tail()}')


class Agent(Proc):
    """test/rclpy/agent.py (JSON commands on stdin, '@@' JSON replies) in a namespace."""

    def __init__(self, prefix, env, log, name):
        super().__init__([*prefix, sys.executable, str(RCLPY_DIR / 'agent.py'), name], env, log)
        self.ids = 0
        self.hello = self._reply(0, TIMEOUT)

    def _reply(self, rid, timeout):
        _, line = self.wait_line(
            lambda s: s.startswith('@@') and json.loads(s[2:])['id'] == rid, timeout)
        reply = json.loads(line[2:])
        if not reply['ok']:
            raise AssertionError(f"{self.log.name}: {reply['error']}\n{self.tail()}")
        return reply

    def cmd(self, op, *positional, timeout=TIMEOUT, **args):
        self.ids += 1
        args.update(zip(('key', 'kind'), positional))
        self.proc.stdin.write(json.dumps({'id': self.ids, 'op': op, 'timeout': timeout, **args},
                                         default=list) + '\n')
        self.proc.stdin.flush()
        return self._reply(self.ids, timeout + 10)

    def __getattr__(self, op):
        if op.startswith('_'):
            raise AttributeError(op)
        return lambda *positional, **args: self.cmd(op, *positional, **args)

    def exit(self):
        if self.proc.poll() is None:
            self.cmd('exit')
            self.proc.stdin.close()
        code = self.proc.wait(TIMEOUT)
        assert code == 0, f'{self.log.name} exited with {code}:\n{self.tail()}'


class Host:
    """One side: its namespace, shm directory, bridge and agents."""

    def __init__(self, net, side, tmp, base_env, rmw_lib, bridge_bin, cli_bin, domain):
        self.net, self.side = net, side
        self.dir = tmp / side
        self.shm = self.dir / 'shm'
        self.shm.mkdir(parents=True)
        (self.dir / 'log').mkdir()
        env = dict(base_env)
        env.update(ROS_DOMAIN_ID=str(domain), HAZCAT_SHM_DIR=str(self.shm),
                   ROS_LOG_DIR=str(self.dir / 'log'), PYTHONDONTWRITEBYTECODE='1',
                   PYTHONUNBUFFERED='1')
        self.bridge_env = dict(env)
        self.bridge_env.pop('LD_PRELOAD', None)
        env.update(LD_PRELOAD=rmw_lib, RMW_IMPLEMENTATION='rmw_hazcat_rs')
        self.env = env
        self.bridge_bin = bridge_bin
        self.cli_bin = cli_bin
        self.procs = []

    @property
    def addr(self):
        return self.net.addr[self.side]

    def bridge(self, *args, cli=False):
        """Starts this host's bridge (as `hazcat bridge ARGS` with cli) once it is ready."""
        cmd = [self.cli_bin, 'bridge'] if cli else [self.bridge_bin]
        p = Proc([*self.net.prefix(self.side), *cmd, *args], self.bridge_env,
                 self.dir / f'bridge.{len(self.procs)}.log')
        self.procs.append(p)
        _, line = p.wait_line(lambda s: s.startswith('hazcat-bridge ready'))
        p.zid = line.rsplit(' ', 1)[1]
        return p

    def agent(self, name, env=None):
        """An agent process; env adds to (or overrides) the host's environment."""
        a = Agent(self.net.prefix(self.side), {**self.env, **(env or {})},
                  self.dir / f'{name}.log', name)
        self.procs.append(a)
        return a

    def run(self, cmd, env, name):
        p = Proc([*self.net.prefix(self.side), *cmd], env, self.dir / f'{name}.log')
        self.procs.append(p)
        return p

    def shm_objects(self):
        return sorted(os.listdir(self.shm))

    def ls_json(self):
        """`hazcat ls --json` of this host's ROS domain (with its bridge's status, if one runs)."""
        r = subprocess.run([*self.net.prefix(self.side), self.cli_bin, 'ls', '--json', '--domain',
                            self.bridge_env['ROS_DOMAIN_ID']], env=self.bridge_env,
                           capture_output=True, text=True, timeout=TIMEOUT, check=True)
        return json.loads(r.stdout)
