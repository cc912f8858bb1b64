"""The ROS-level benchmarks build and run: the rcl ping-pong table over hazcat and Fast DDS
(benchmarks/ros/rcl_pingpong.sh: the calls of the rclcpp demo's three modes), the rclpy
ping-pong (scripts/ros_bench.sh), each writing its CSV, markdown and PNG, and the stream CPU
table (rcl_pingpong.sh --stream-cpu). Short runs; no timing
is asserted (speed belongs in the recorded runs of benchmarks/results/ros/). Jazzy over hazcat
only: the benchmark itself runs both RMWs."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HAZCAT, RMW_LIB

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not HAZCAT or 'jazzy' not in Path(sys.prefix).name,
    reason='runs once, in the Jazzy suite over hazcat (the benchmark runs both RMWs itself)')
# Builds (rcl_pingpong, hazcat_test_msgs, the plot venv) may take a while on a fresh machine.
BENCH_TIMEOUT = 900


def run_script(args, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ('LD_PRELOAD', 'RMW_IMPLEMENTATION', 'HAZCAT_SHM_DIR')}
    env['HAZCAT_RMW_LIB'] = RMW_LIB
    done = subprocess.run(args, cwd=REPO, env=env, text=True, capture_output=True,
                          timeout=BENCH_TIMEOUT)
    (tmp_path / 'stderr.txt').write_text(done.stderr)
    assert done.returncode == 0, f'{args[0]} exited {done.returncode}:\n{done.stderr[-4000:]}'
    return done.stdout


def test_rcl_pingpong_table_over_two_rmws(tmp_path):
    out = tmp_path / 'rcl'
    sizes = [64, 65536, 1 << 20]
    modes = ['default', 'callback', 'loaned']
    stdout = run_script(['benchmarks/ros/rcl_pingpong.sh', '--modes', ','.join(modes), '--sizes',
                         '64,64K,1M', '--rounds', '2', '--iterations', '20', '--out', str(out)],
                        tmp_path)
    rmws = ['rmw_hazcat_rs', 'rmw_fastrtps_cpp']
    with open(out / 'pingpong.csv') as f:
        rows = list(csv.DictReader(f))
    # Every round, RMW, mode, kind and size measured, each row as many round trips as asked.
    assert sorted({(r['round'], r['rmw'], r['mode'], r['kind'], r['bytes']) for r in rows}) == \
        sorted((str(n), rmw, m, k, str(s)) for n in range(2) for rmw in rmws for m in modes
               for k in ('plain', 'bytes') for s in sizes)
    assert len(rows) == 2 * 2 * 3 * 2 * 3
    assert all(r['n'] == '20' and float(r['p50_us']) > 0 for r in rows)
    hazcat = {(r['mode'], r['kind']): (r['loan_pub'], r['loan_take']) for r in rows
              if r['rmw'] == 'rmw_hazcat_rs'}
    # hazcat loans plain messages both ways in loaned mode; rcl's default (Jazzy) takes copies;
    # a uint8[] message is never loaned.
    assert hazcat[('loaned', 'plain')] == ('1', '1')
    assert hazcat[('default', 'plain')] == ('1', '0')
    assert hazcat[('callback', 'plain')] == ('1', '0')
    assert hazcat[('loaned', 'bytes')] == ('0', '0')
    table = json.loads((out / 'pingpong.json').read_text())['table']
    assert len(table) == 3 * 2 * 3
    for e in table:
        assert set(e['rmw']) == set(rmws)
        assert e['ratio']['rmw_fastrtps_cpp']['p50'] > 0
        assert e['copies'] == (0 if (e['mode'], e['kind']) == ('loaned', 'plain') else
                               2 if e['kind'] == 'plain' else 4)
    md = (out / 'pingpong.md').read_text()
    assert 'p50 hazcat_rs/fastrtps_cpp' in md and md in stdout
    assert md.count('\n| loaned | plain |') == 3
    assert (out / 'pingpong.png').stat().st_size > 0


def test_rclpy_bench_quick(tmp_path):
    out = tmp_path / 'rclpy'
    run_script(['scripts/ros_bench.sh', 'jazzy', '--quick', '--sizes', '64,64K', '--out',
                str(out)], tmp_path)
    md = (out / 'rclpy_pingpong.md').read_text()
    assert md.count('\n| 64 |') == 1 and md.count('\n| 64K |') == 1, md
    assert (out / 'rclpy_pingpong.csv').stat().st_size > 0
    assert (out / 'rclpy_pingpong.png').stat().st_size > 0


def test_stream_cpu_table(tmp_path):
    out = tmp_path / 'stream'
    run_script(['benchmarks/ros/rcl_pingpong.sh', '--stream-cpu', '--rates', '100,2000',
                '--spins', 'adaptive,0', '--seconds', '0.5', '--rounds', '1', '--out', str(out)],
               tmp_path)
    with open(out / 'stream_cpu.csv') as f:
        rows = list(csv.DictReader(f))
    assert sorted((r['rate'], r['spin']) for r in rows) == [
        ('100', '0'), ('100', 'adaptive'), ('2000', '0'), ('2000', 'adaptive')]
    # Keep-last 100: a subscriber descheduled long enough on a loaded machine may lose some.
    assert all(0 < int(r['received']) <= int(r['rate']) // 2 for r in rows), rows
    md = (out / 'stream_cpu.md').read_text()
    assert md.count('\n| 100 |') == 1 and md.count('\n| 2000 |') == 1, md
