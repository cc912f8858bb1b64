"""Shared-memory capacity: a system of 20 nodes fits in Docker's default 64 MiB /dev/shm, and a
full shm directory is an error from rclpy that names the directory, never a SIGBUS.

Hazcat-only (the control has no shm directory). Each case mounts a tmpfs of a chosen size on the
test's HAZCAT_SHM_DIR, which needs root: the case is skipped, saying why, when it cannot mount.
"""

import contextlib
import os
import re
import signal
import subprocess

import pytest

import payloads
from conftest import TIMEOUT, AgentError, hazcat_only

STRING = 'std_msgs/msg/String'
BYTES = 'std_msgs/msg/UInt8MultiArray'
MIB = 1 << 20
# What the error of a full directory says besides its path (the core's wording: "shared memory
# directory '<dir>' is full: need N bytes, M free"; ENOSPC's "No space left on device" also fits).
FULL = re.compile(r'\bfull\b|space', re.IGNORECASE)


@pytest.fixture
def shm_size(ros):
    """shm_size(bytes) mounts a tmpfs of that size on the test's HAZCAT_SHM_DIR (before any
    process starts) and returns the directory; it is unmounted after the test (lazily if a
    failed test left a process using it)."""
    mounted = []

    def mount(size):
        if os.geteuid() != 0:
            pytest.skip('mounting a tmpfs for HAZCAT_SHM_DIR needs root')
        done = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs',
                               str(ros.shm)], capture_output=True, text=True)
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or [f'exit status {done.returncode}'])[0]
            pytest.skip(f'cannot mount a tmpfs on {ros.shm}: {why}')
        mounted.append(ros.shm)
        return ros.shm

    yield mount
    for path in mounted:
        if subprocess.run(['umount', str(path)]).returncode != 0:
            subprocess.run(['umount', '-l', str(path)])


def died_of(agent):
    """The signal that ended agent's process, if it ended by one (after it stopped answering)."""
    if 'eof' not in agent.replies:
        return None
    code = agent.proc.wait(TIMEOUT)
    return signal.Signals(-code).name if code < 0 else None


def fullness(shm):
    st = os.statvfs(shm)
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    return (f'{shm} holds {len(os.listdir(shm))} objects, {used} of '
            f'{st.f_blocks * st.f_frsize} bytes used')


@contextlib.contextmanager
def no_signal_deaths(ros, shm):
    """A command that fails because its process was killed by a signal (SIGBUS: memory of a full
    directory touched) fails the test saying so, with what is in the directory."""
    try:
        yield
    except AgentError as exc:
        for agent in ros.agents:
            sig = died_of(agent)
            assert sig is None, (f'{agent.name} was killed by {sig} ({fullness(shm)}): a full '
                                 f'directory must be an error; the failed command: {exc}')
        raise


def assert_full_directory_error(failure, shm):
    """The AgentError of a failed command is rclpy's exception and names the full directory."""
    error = str(failure).split('\nstderr:\n')[0]  # the agent's report, not its log
    first = error.splitlines()[0]  # "<agent>: <op>: <repr of the exception>"
    assert re.match(r'[^:]+: \w+: \w*Error\(', first), f'not an exception from rclpy: {error}'
    assert str(shm) in error, f'the error does not name the shm directory {shm}: {error}'
    assert FULL.search(error), f'the error does not say the directory is full: {error}'


@hazcat_only
def test_20_nodes_fit_in_dockers_default_shm(ros, shm_size):
    """Docker's default /dev/shm (64 MiB) as the shm directory: 10 talker nodes in one process,
    10 listener nodes in another, each talker publishing std_msgs/String on a topic of its own
    that one listener subscribes to. Every listener receives every message; after both processes
    shut down the directory is empty and neither died by a signal."""
    shm = shm_size(64 * MIB)
    with no_signal_deaths(ros, shm):
        talk_and_listen(ros)
    assert os.listdir(shm) == []


def talk_and_listen(ros):
    talkers, listeners = ros.agents_of('talkers', 'listeners')
    keys = ['main'] + [f'n{k}' for k in range(9)]  # the main node and 9 more per process
    for agent in (talkers, listeners):
        agent.nodes(prefix='n', count=9)
    for k, node in enumerate(keys):
        listeners.sub(f's{k}', topic=f'/capacity/chatter{k}', type=STRING, node=node)
        talkers.pub(f'p{k}', topic=f'/capacity/chatter{k}', type=STRING, node=node)
    for k in range(len(keys)):
        talkers.wait_matched(f'p{k}', count=1)
        listeners.wait_matched(f's{k}', count=1)
    for k in range(len(keys)):
        talkers.publish(f'p{k}', seeds=[100 * k, 100 * k + 1, 100 * k + 2])
    for k in range(len(keys)):
        seeds = [100 * k, 100 * k + 1, 100 * k + 2]
        got = listeners.wait_msgs(f's{k}', count=3)['msgs']
        assert got == [payloads.canonical(payloads.make(STRING, s)) for s in seeds], k
    assert len(listeners.graph()['nodes']) == 20
    for agent in (talkers, listeners):
        agent.exit()


@hazcat_only
def test_full_shm_directory_is_an_error_naming_it(ros, shm_size):
    """A 4 MiB shm directory: one process creates nodes, each with a publisher on a topic of its
    own, until one fails. The failure is rclpy's exception naming the directory and saying it is
    full; the process lives on and exits normally, and leaves the directory empty."""
    shm = shm_size(4 * MIB)
    most = 2000  # a node with a publisher takes more than 4 MiB / 2000 = 2 KiB
    failure = None
    with no_signal_deaths(ros, shm):
        agent = ros.agent('filler')
        for k in range(most):
            try:
                agent.node(f'n{k}', name=f'filler{k}')
                agent.pub(f'p{k}', topic=f'/filled{k}', type=STRING, node=f'n{k}')
            except AgentError as exc:
                if died_of(agent):
                    raise
                failure = exc
                break
        assert failure is not None, f'{most} nodes with a publisher each fit in 4 MiB'
        assert_full_directory_error(failure, shm)
        agent.exit()
    assert os.listdir(shm) == []


@hazcat_only
def test_message_larger_than_the_free_space_is_an_error(ros, shm_size):
    """A 4 MiB shm directory and one node with a publisher and a subscription: publishing an
    8 MiB message raises rclpy's exception naming the directory (no SIGBUS); the process exits
    normally and leaves the directory empty."""
    shm = shm_size(4 * MIB)
    with no_signal_deaths(ros, shm):
        agent = ros.agent('publisher')
        agent.sub('s', topic='/too_big', type=BYTES)
        agent.pub('p', topic='/too_big', type=BYTES)
        agent.wait_matched('p', count=1)
        failure = None
        try:
            agent.publish('p', seeds=[1], size=8 * MIB)
        except AgentError as exc:
            if died_of(agent):
                raise
            failure = exc
        assert failure is not None, 'an 8 MiB message was published into a 4 MiB directory'
        assert_full_directory_error(failure, shm)
        agent.exit()
    assert os.listdir(shm) == []
