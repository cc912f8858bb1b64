#!/usr/bin/env python3
"""Ping-pong round trips over a list of RMWs, side by side in one run, as one table with ratios.

    pingpong_table.py --exe PATH --rmw rmw_hazcat_rs,rmw_fastrtps_cpp [--modes default,loaned]
        [--sizes 64,4K,64K,1M,16M,64M] [--kinds plain,bytes] [--rounds 3] [--iterations 1000]
        [--large-iterations N] [--preload RMW=LIB ...] [--pin same|split] [--domain-id N|auto]
        [--out DIR]
    pingpong_table.py --plot DIR      (draws DIR/pingpong.png from DIR/pingpong.json)

EXE is a ping-pong program with the command line and result lines of benchmarks/ros/PINGPONG.md:
the rclcpp demo `pingpong` (launch/pingpong.launch.py) or benchmarks/ros/rcl_pingpong.c
(benchmarks/ros/rcl_pingpong.sh). A round runs every mode and, for each mode, every RMW once, in an
order that rotates from round to round; each turn is a fresh pong and ping process pair running
every case (kind x size). `loaned` starts both with ROS_DISABLE_LOANED_MESSAGES=0 (rcl's switch for
subscription loans); the other modes with rcl's default. hazcat processes get a shared memory
directory of their own (HAZCAT_SHM_DIR), which must be empty when they have exited.

The table: per mode, kind and size, each RMW's p50 / p99 (median over rounds of each round's
value) and, for every RMW after the first, first/other as the median of the per-round ratios
(RMWs of one round run back to back, so slow phases of a shared machine cancel out). Below 1: the
first RMW is faster. Writes pingpong.csv (one row per round, RMW and case), pingpong.md (the
table), pingpong.json and, when matplotlib is importable, pingpong.png. Standard library only,
apart from the plot.
"""

import argparse
import ctypes
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = ('default', 'callback', 'loaned')
KINDS = ('plain', 'bytes')
PLAIN_SIZES = (64, 4 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20)


def parse_size(text):
    """Bytes of '64', '4K', '1M', '1MiB', '2G' (binary units)."""
    units = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
    text = text.strip().upper().removesuffix('B').removesuffix('I')
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text)


def size_label(n):
    """64, 4K, 1M: the inverse of parse_size for whole KiB / MiB."""
    for unit, shift in (('M', 20), ('K', 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f'{n >> shift}{unit}'
    return str(n)


def parse_result(line):
    """A `RESULT k=v ...` line as a dict with numbers converted; None for other lines."""
    if not line.startswith('RESULT '):
        return None
    fields = dict(item.split('=', 1) for item in line.split()[1:])
    for key in ('bytes', 'n', 'loan_pub', 'loan_take'):
        fields[key] = int(fields[key])
    for key in ('p50_us', 'p99_us'):
        fields[key] = float(fields[key])
    return fields


def memcpy_us(n):
    """Median time of one memcpy of n bytes between two warm buffers of this process (the copy a
    round trip's unavoidable copies are counted in), measured in every round next to the RMWs."""
    src, dst = ctypes.create_string_buffer(n), ctypes.create_string_buffer(n)
    ctypes.memset(src, 1, n)
    ctypes.memset(dst, 2, n)
    times = []
    for _ in range(5 if n >= 16 << 20 else 51):
        t0 = time.perf_counter_ns()
        ctypes.memmove(dst, src, n)
        times.append((time.perf_counter_ns() - t0) / 1e3)
    return statistics.median(times)


def hazcat_copies(r):
    """Copies of the payload per round trip that hazcat's design cannot avoid: a plain message
    is copied into shared memory unless published from a loan and out of it unless taken as a
    loan; a non-plain one is serialized and deserialized. Two hops per round trip."""
    if r['kind'] == 'bytes':
        return 4
    return 2 * ((0 if r['loan_pub'] else 1) + (0 if r['loan_take'] else 1))


def claim_domain(arg):
    """(domain id or None to inherit, lock to keep open). `auto` uses the rclpy suite's domain
    locks when this file runs from the repository, so a benchmark never shares a suite's domain."""
    if arg != 'auto':
        return (int(arg) if arg is not None else None), None
    locks = Path(__file__).resolve().parents[2] / 'test' / 'rclpy'
    if (locks / 'domain_lock.py').is_file():
        sys.path.insert(0, str(locks))
        from domain_lock import claim_domain_id
        return claim_domain_id()
    return 201 + os.getpid() % 31, None


def turn_env(args, rmw, mode, shm_dir, domain_id):
    env = dict(os.environ)
    env['RMW_IMPLEMENTATION'] = rmw
    # Only the RMW's own preload: a hazcat preload left in place would serve every RMW.
    env.pop('LD_PRELOAD', None)
    if rmw in args.preload:
        env['LD_PRELOAD'] = args.preload[rmw]
    env.pop('ROS_DISABLE_LOANED_MESSAGES', None)
    if mode == 'loaned':
        env['ROS_DISABLE_LOANED_MESSAGES'] = '0'
    env['HAZCAT_SHM_DIR'] = shm_dir
    if domain_id is not None:
        env['ROS_DOMAIN_ID'] = str(domain_id)
    return env


def run_turn(args, rmw, mode, domain_id, log):
    """One pong + ping pair running every case; returns the ping's result dicts."""
    common = ['--mode', mode, '--sizes', ','.join(map(str, args.sizes)),
              '--kinds', ','.join(args.kinds), '--iterations', str(args.iterations)]
    if args.large_iterations:
        common += ['--large-iterations', str(args.large_iterations)]
    pin = {'same': (['taskset', '-c', '0'], ['taskset', '-c', '0']),
           'split': (['taskset', '-c', '0'], ['taskset', '-c', '1'])}.get(args.pin, ([], []))
    base = '/dev/shm' if os.path.isdir('/dev/shm') else None
    shm_dir = tempfile.mkdtemp(prefix='hazcat-pingpong-', dir=base)
    env = turn_env(args, rmw, mode, shm_dir, domain_id)
    log.write(f'=== {rmw} {mode}\n')
    log.flush()
    try:
        pong = subprocess.Popen(pin[0] + [args.exe, 'pong'] + common, env=env,
                                stdout=log, stderr=log)
        try:
            ping = subprocess.run(pin[1] + [args.exe, 'ping'] + common, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=log, timeout=args.timeout)
            pong_rc = pong.wait(timeout=60)
        finally:
            if pong.poll() is None:
                pong.kill()
                pong.wait()
        results = [r for r in map(parse_result, ping.stdout.splitlines()) if r]
        if ping.returncode or pong_rc:
            raise RuntimeError(f'{rmw} {mode}: ping exited {ping.returncode}, pong {pong_rc} '
                               f'(log: {log.name})')
        left = os.listdir(shm_dir)
        if left:
            raise RuntimeError(f'{rmw} {mode}: {len(left)} objects left in {shm_dir}: {left[:5]}')
        return results
    finally:
        shutil.rmtree(shm_dir, ignore_errors=True)


def summarize(rows, rmws, memcpy):
    """Per (mode, kind, bytes): medians per RMW, median per-round ratios first/other and, when
    the first RMW is hazcat, its p50 over the time of its unavoidable copies (memcpy of the same
    round)."""
    table = []
    keys = sorted({(r['mode'], r['kind'], r['bytes']) for r in rows},
                  key=lambda k: (MODES.index(k[0]), KINDS.index(k[1]), k[2]))
    for key in keys:
        entry = {'mode': key[0], 'kind': key[1], 'bytes': key[2], 'rmw': {}}
        by_round = {}
        for r in rows:
            if (r['mode'], r['kind'], r['bytes']) == key:
                by_round.setdefault(r['round'], {})[r['rmw']] = r
        for rmw in rmws:
            mine = [rnd[rmw] for rnd in by_round.values() if rmw in rnd]
            if mine:
                entry['rmw'][rmw] = {
                    'p50': statistics.median(r['p50_us'] for r in mine),
                    'p99': statistics.median(r['p99_us'] for r in mine),
                    'loan': loan_label(mine[0]),
                }
        for other in rmws[1:]:
            for q in ('p50', 'p99'):
                ratios = [rnd[rmws[0]][f'{q}_us'] / rnd[other][f'{q}_us']
                          for rnd in by_round.values()
                          if rmws[0] in rnd and other in rnd and rnd[other][f'{q}_us'] > 0]
                entry.setdefault('ratio', {}).setdefault(other, {})[q] = (
                    statistics.median(ratios) if ratios else None)
        entry['memcpy_us'] = statistics.median(m[key[2]] for m in memcpy.values())
        first = [rnd[rmws[0]] for rnd in by_round.values() if rmws[0] in rnd]
        if rmws[0] == 'rmw_hazcat_rs' and first:
            entry['copies'] = hazcat_copies(first[0])
            if entry['copies']:
                entry['over_copies'] = statistics.median(
                    r['p50_us'] / (entry['copies'] * memcpy[rnd][key[2]])
                    for rnd, r in ((rnd, by_round[rnd][rmws[0]]) for rnd in by_round
                                   if rmws[0] in by_round[rnd]))
        table.append(entry)
    return table


def loan_label(r):
    return {(1, 1): 'pub+take', (1, 0): 'pub', (0, 1): 'take'}.get(
        (r['loan_pub'], r['loan_take']), '-')


def fmt(v, digits=1):
    return '—' if v is None else f'{v:.{digits}f}'


def fmt_ratio(v):
    if v is None:
        return '—'
    return f'{v:.2f}' if v >= 0.1 else f'{v:.3f}' if v >= 0.001 else f'{v:.1e}'


def markdown(table, rmws, args, command):
    short = [r.removeprefix('rmw_') for r in rmws]
    head = ['mode', 'kind', 'size']
    for s in short:
        head += [f'{s} p50 µs', f'{s} p99 µs', f'{s} loans']
    for s in short[1:]:
        head += [f'p50 {short[0]}/{s}', f'p99 {short[0]}/{s}']
    copies = any('copies' in e for e in table)
    head += ['memcpy µs'] + ([f'{short[0]} copies', 'p50 / copies'] if copies else [])
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join('---' if i < 3 else '---:' for i in range(len(head))) + '|']
    for e in table:
        cells = [e['mode'], e['kind'], size_label(e['bytes'])]
        for rmw in rmws:
            m = e['rmw'].get(rmw)
            cells += [fmt(m and m['p50']), fmt(m and m['p99']), m['loan'] if m else '—']
        for rmw in rmws[1:]:
            ratio = e.get('ratio', {}).get(rmw, {})
            cells += [fmt_ratio(ratio.get('p50')), fmt_ratio(ratio.get('p99'))]
        cells.append(fmt(e['memcpy_us'], 2))
        if copies:
            cells += [str(e.get('copies', '—')), fmt_ratio(e.get('over_copies'))]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return (f'# Ping-pong round trip, {", ".join(rmws)}\n\n`{command}`\n\n'
            f'{args.rounds} alternating rounds on {platform.node()} ({os.cpu_count()} CPUs, '
            f'{platform.platform()}); executable `{os.path.basename(args.exe)}`. p50/p99: median '
            f'over rounds; ratios: median of per-round ratios (below 1: {rmws[0]} is faster). '
            'loans: pub = published from loans, take = taken as loans. memcpy: one copy of the '
            'payload between warm buffers, same rounds; copies: the payload copies per round trip '
            'hazcat cannot avoid (2 per hop for non-plain: serialize, deserialize; for plain, one '
            'per hop for each of publish and take not done through a loan); p50 / copies: p50 '
            'over copies x memcpy, median per round.\n\n'
            + '\n'.join(lines) + '\n')


def write_outputs(out, rows, table, rmws, args, command):
    out.mkdir(parents=True, exist_ok=True)
    cols = ['round', 'rmw', 'mode', 'kind', 'bytes', 'p50_us', 'p99_us', 'n', 'loan_pub',
            'loan_take']
    with open(out / 'pingpong.csv', 'w') as f:
        f.write(','.join(cols) + '\n')
        for r in rows:
            f.write(','.join(str(r[c]) for c in cols) + '\n')
    md = markdown(table, rmws, args, command)
    (out / 'pingpong.md').write_text(md)
    (out / 'pingpong.json').write_text(json.dumps(
        {'rmws': rmws, 'rounds': args.rounds, 'exe': os.path.basename(args.exe), 'command': command,
         'table': table}, indent=1))
    return md


def plot(out):
    """pingpong.png: a panel per mode (columns) and kind (rows), p50 (solid) and p99 (dashed) per
    RMW over size."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    data = json.loads((out / 'pingpong.json').read_text())
    modes = [m for m in MODES if any(e['mode'] == m for e in data['table'])]
    kinds = [k for k in KINDS if any(e['kind'] == k for e in data['table'])]
    fig, axes = plt.subplots(len(kinds), len(modes), figsize=(5 * len(modes), 4 * len(kinds)),
                             squeeze=False, sharey=True)
    for row, kind in enumerate(kinds):
        for col, mode in enumerate(modes):
            ax = axes[row][col]
            entries = [e for e in data['table'] if (e['mode'], e['kind']) == (mode, kind)]
            sizes = [e['bytes'] for e in entries]
            for k, rmw in enumerate(data['rmws']):
                for q, style in (('p50', 'o-'), ('p99', 's--')):
                    ys = [e['rmw'].get(rmw, {}).get(q) for e in entries]
                    ax.plot(sizes, [float('nan') if y is None else y for y in ys], style,
                            color=f'C{k}', alpha=1.0 if q == 'p50' else 0.5, label=f'{rmw} {q}')
            ax.set_xscale('log', base=2)
            ax.set_yscale('log')
            ax.set_xticks(sizes, [size_label(n) for n in sizes])
            ax.set_title(f'{mode}, {kind}')
            ax.set_xlabel('message size')
            ax.set_ylabel('round trip µs')
            ax.grid(True, which='both', alpha=0.3)
    axes[0][0].legend(fontsize='small')
    fig.suptitle(f'{data["exe"]} ping-pong, {data["rounds"]} alternating rounds')
    fig.tight_layout()
    fig.savefig(out / 'pingpong.png', dpi=90)
    print(f'wrote {out / "pingpong.png"}', file=sys.stderr)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--plot', type=Path, metavar='DIR', help='only draw DIR/pingpong.png')
    p.add_argument('--exe', help='the ping-pong program')
    p.add_argument('--rmw', default='rmw_hazcat_rs,rmw_fastrtps_cpp',
                   help='comma-separated RMWs; ratios are the first over each other')
    p.add_argument('--modes', default='default,loaned')
    p.add_argument('--sizes', default='64,4K,64K,1M,16M,64M')
    p.add_argument('--kinds', default='plain,bytes')
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--iterations', type=int, default=1000)
    p.add_argument('--large-iterations', type=int, default=0,
                   help='round trips at 16 MiB and more (default: the program\'s, iterations/10+1)')
    p.add_argument('--preload', action='append', default=[], metavar='RMW=LIB',
                   help='LD_PRELOAD for one RMW (e.g. rmw_hazcat_rs over the PyPI wheels)')
    p.add_argument('--pin', choices=('same', 'split'),
                   help='same: both processes on CPU 0; split: pong on CPU 0, ping on CPU 1')
    p.add_argument('--domain-id', help='ROS_DOMAIN_ID for the processes, or auto')
    p.add_argument('--timeout', type=float, default=1800.0,
                   help='seconds one ping process may take (only a failure waits this long)')
    p.add_argument('--out', type=Path, default=Path('pingpong_results'))
    args = p.parse_args(argv)
    if args.plot:
        return args
    if not args.exe:
        p.error('--exe is required')
    args.exe = os.path.abspath(args.exe)
    args.rmw = [r for r in args.rmw.split(',') if r]
    args.modes = [m for m in args.modes.split(',') if m]
    args.kinds = [k for k in args.kinds.split(',') if k]
    args.sizes = [parse_size(s) for s in args.sizes.split(',') if s]
    args.preload = dict(item.split('=', 1) for item in args.preload)
    for m in args.modes:
        if m not in MODES:
            p.error(f'unknown mode {m!r} (one of {", ".join(MODES)})')
    for k in args.kinds:
        if k not in KINDS:
            p.error(f'unknown kind {k!r} (one of {", ".join(KINDS)})')
    if 'plain' in args.kinds and any(s not in PLAIN_SIZES for s in args.sizes):
        p.error('plain messages exist for ' + ', '.join(map(size_label, PLAIN_SIZES)) + ' only')
    if not args.rmw or args.rounds < 1 or args.iterations < 1:
        p.error('need at least one RMW, one round and one iteration')
    return args


def main(argv):
    args = parse_args(argv)
    if args.plot:
        plot(args.plot)
        return 0
    command = 'pingpong_table.py ' + ' '.join(argv)
    domain_id, lock = claim_domain(args.domain_id)
    args.out.mkdir(parents=True, exist_ok=True)
    rows, memcpy = [], {}
    started = time.monotonic()
    with open(args.out / 'pingpong.log', 'w') as log:
        for rnd in range(args.rounds):
            order = args.rmw[rnd % len(args.rmw):] + args.rmw[:rnd % len(args.rmw)]
            memcpy[rnd] = {n: memcpy_us(n) for n in args.sizes}
            for mode in args.modes:
                for rmw in order:
                    for r in run_turn(args, rmw, mode, domain_id, log):
                        r.update(round=rnd, rmw=rmw)
                        rows.append(r)
            print(f'round {rnd + 1}/{args.rounds} done ({time.monotonic() - started:.0f} s)',
                  file=sys.stderr)
    if lock:
        lock.close()
    expected = args.rounds * len(args.modes) * len(args.rmw) * len(args.kinds) * len(args.sizes)
    if len(rows) != expected:
        print(f'pingpong_table: {len(rows)} results, expected {expected}', file=sys.stderr)
        return 1
    table = summarize(rows, args.rmw, memcpy)
    print(write_outputs(args.out, rows, table, args.rmw, args, command))
    try:
        plot(args.out)
    except ImportError:
        print('pingpong_table: matplotlib not importable: no pingpong.png', file=sys.stderr)
    print(f'wrote {args.out}/pingpong.csv, .md, .json', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
