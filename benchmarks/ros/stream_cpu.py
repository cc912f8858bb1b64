"""The subscriber CPU time a steady stream costs over hazcat, per rate and polling setting
(HAZCAT_WAIT_SPIN_US unset: adaptive; 0: never poll; N: N µs on every wait): what polling before
sleeping in rmw_wait costs. Run through benchmarks/ros/rcl_pingpong.sh --stream-cpu.

    stream_cpu.py --exe target/ros/rcl_stream_cpu --lib librmw_hazcat_rs.so
        [--rates 100,1000,10000,20000] [--spins adaptive,0,50] [--seconds 3] [--rounds 3]
        [--out DIR]

A turn starts the subscriber and the publisher (benchmarks/ros/rcl_stream_cpu.c) as separate
processes; settings alternate in order from round to round. Table: the subscriber's CPU time as a
percentage of the stream's duration (median over rounds) and the messages it received. Writes
stream_cpu.csv and stream_cpu.md.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pingpong_table import claim_domain


def turn(args, rate, spin, domain_id):
    shm = tempfile.mkdtemp(prefix='hazcat-stream-', dir='/dev/shm')
    env = dict(os.environ, LD_PRELOAD=args.lib, RMW_IMPLEMENTATION='rmw_hazcat_rs',
               HAZCAT_SHM_DIR=shm, ROS_DOMAIN_ID=str(domain_id))
    env.pop('HAZCAT_WAIT_SPIN_US', None)
    if spin != 'adaptive':
        env['HAZCAT_WAIT_SPIN_US'] = spin
    try:
        sub = subprocess.Popen([args.exe, 'sub'], env=env, text=True, stdout=subprocess.PIPE)
        pub = subprocess.run([args.exe, 'pub', str(rate), str(args.seconds)], env=env,
                             timeout=args.seconds + 120)
        out, _ = sub.communicate(timeout=60)
        if pub.returncode or sub.returncode:
            raise RuntimeError(f'{rate} Hz, {spin}: pub exited {pub.returncode}, '
                               f'sub {sub.returncode}')
        if os.listdir(shm):
            raise RuntimeError(f'{rate} Hz, {spin}: objects left in {shm}')
    finally:
        shutil.rmtree(shm, ignore_errors=True)
    line = next(x for x in out.splitlines() if x.startswith('STREAM '))
    fields = dict(item.split('=', 1) for item in line.split()[1:])
    return {'received': int(fields['received']), 'seconds': float(fields['seconds']),
            'cpu_pct': 100 * float(fields['cpu_s']) / float(fields['seconds'])}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--exe', required=True)
    p.add_argument('--lib', required=True, help='librmw_hazcat_rs.so (LD_PRELOAD)')
    p.add_argument('--rates', default='100,1000,10000,20000')
    p.add_argument('--spins', default='adaptive,0,50')
    p.add_argument('--seconds', type=float, default=3.0)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--out', type=Path, default=Path('bench-results/ros-jazzy/stream_cpu'))
    args = p.parse_args(argv)
    rates = [int(r) for r in args.rates.split(',')]
    spins = args.spins.split(',')
    domain_id, lock = claim_domain('auto')
    rows = []
    for rnd in range(args.rounds):
        order = spins[rnd % len(spins):] + spins[:rnd % len(spins)]
        for rate in rates:
            for spin in order:
                r = turn(args, rate, spin, domain_id)
                r.update(round=rnd, rate=rate, spin=spin)
                rows.append(r)
        print(f'round {rnd + 1}/{args.rounds} done', file=sys.stderr)
    if lock:
        lock.close()
    args.out.mkdir(parents=True, exist_ok=True)
    cols = ['round', 'rate', 'spin', 'received', 'seconds', 'cpu_pct']
    with open(args.out / 'stream_cpu.csv', 'w') as f:
        f.write(','.join(cols) + '\n')
        for r in rows:
            f.write(','.join(str(r[c]) for c in cols) + '\n')
    label = {'adaptive': 'adaptive (default)', '0': 'off (0)'}
    head = ['rate Hz'] + [f'{label.get(s, s + " µs")}: CPU %' for s in spins] + ['received (of)']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---:|' * len(head)]
    for rate in rates:
        cells = [str(rate)]
        for spin in spins:
            mine = [r for r in rows if r['rate'] == rate and r['spin'] == spin]
            cells.append(f'{statistics.median(r["cpu_pct"] for r in mine):.1f}')
        got = [r['received'] for r in rows if r['rate'] == rate]
        cells.append(f'{min(got)}–{max(got)} ({int(rate * args.seconds)})')
        lines.append('| ' + ' | '.join(cells) + ' |')
    md = (f'# Subscriber CPU time of a steady stream over hazcat\n\n{args.rounds} rounds of '
          f'{args.seconds:g} s per rate and setting; CPU %: the subscriber\'s user + system time '
          'over the stream\'s duration, median over rounds.\n\n' + '\n'.join(lines) + '\n')
    (args.out / 'stream_cpu.md').write_text(md)
    print(md)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
