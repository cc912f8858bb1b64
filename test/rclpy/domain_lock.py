"""ROS domain ids shared between the rclpy suite (conftest.py) and the ROS benchmark
(benchmarks/ros/rclpy_pingpong.py), so runs on one machine never share a domain."""

import fcntl
import random
import tempfile
from pathlib import Path

DOMAIN_LOCKS = Path(tempfile.gettempdir()) / 'hazcat_rclpy_domains'


def claim_domain_id():
    """A ROS domain id no other test on this machine uses now (suites of other distros or RMWs
    may run at the same time): an exclusive lock on /tmp/hazcat_rclpy_domains/<id>, held until
    the returned file is closed. Ids 1..200 (Fast DDS allows up to 232)."""
    DOMAIN_LOCKS.mkdir(exist_ok=True)
    start = random.randrange(200)
    for k in range(200):
        domain_id = 1 + (start + k) % 200
        lock = open(DOMAIN_LOCKS / str(domain_id), 'w')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return domain_id, lock
    raise RuntimeError('no free ROS domain id')
