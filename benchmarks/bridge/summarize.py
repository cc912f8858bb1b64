"""Summarises a bridge benchmark run (raw.jsonl from scripts/bridge_bench.sh, one JSON line per
round, transport and size): per size, the medians over rounds of each transport's one-way
latency and throughput, and the medians of the per-round ratios hazcat bridge / bare Zenoh.
Prints the table and writes bridge_bench.{csv,md,json} next to raw.jsonl:

    python summarize.py DIR [MACHINE_DESCRIPTION]
"""

import csv
import json
import statistics
import sys
from pathlib import Path

# Targets of issue 13 (at 1 MiB): throughput >= 0.9x, latency <= 1.2x bare Zenoh's.
THR_TARGET, LAT_TARGET, TARGET_SIZE = 0.9, 1.2, 1 << 20


def label(n):
    for unit, shift in (('MiB', 20), ('KiB', 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f'{n >> shift} {unit}'
    return f'{n} B'


def main(out, machine=''):
    rows = [json.loads(line) for line in (out / 'raw.jsonl').read_text().splitlines() if line]
    by = {}
    for r in rows:
        by.setdefault(r['size'], {}).setdefault(r['round'], {})[r['transport'].lower()] = r
    summary = []
    for size in sorted(by):
        rounds = [v for v in by[size].values() if {'zenoh', 'hazcat'} <= v.keys()]

        def med(t, field):
            return statistics.median(v[t][field] for v in rounds)

        def ratios(field):
            return [v['hazcat'][field] / v['zenoh'][field] for v in rounds
                    if v['zenoh'][field] > 0] or [float('nan')]

        def ratio(field):
            return statistics.median(ratios(field))

        summary.append({
            'size': size, 'rounds': len(rounds),
            'zenoh_latency_us': med('zenoh', 'latency_us'),
            'hazcat_latency_us': med('hazcat', 'latency_us'),
            'latency_ratio': ratio('latency_us'),
            'zenoh_MBps': med('zenoh', 'throughput_Bps') / 1e6,
            'hazcat_MBps': med('hazcat', 'throughput_Bps') / 1e6,
            'throughput_ratio': ratio('throughput_Bps'),
            'latency_ratio_min': min(ratios('latency_us')),
            'latency_ratio_max': max(ratios('latency_us')),
            'throughput_ratio_min': min(ratios('throughput_Bps')),
            'throughput_ratio_max': max(ratios('throughput_Bps')),
            'zenoh_delivered': statistics.median(
                v['zenoh']['received'] / v['zenoh']['sent'] for v in rounds),
            'hazcat_delivered': statistics.median(
                v['hazcat']['received'] / v['hazcat']['sent'] for v in rounds),
        })
    head = ['size', 'rounds', 'zenoh lat µs', 'bridge lat µs', 'lat ratio (range)',
            'zenoh MB/s', 'bridge MB/s', 'thr ratio (range)', 'zenoh delivered',
            'bridge delivered']

    def cells(e):
        return [label(e['size']), str(e['rounds']), f"{e['zenoh_latency_us']:.1f}",
                f"{e['hazcat_latency_us']:.1f}",
                f"{e['latency_ratio']:.2f} ({e['latency_ratio_min']:.2f}-"
                f"{e['latency_ratio_max']:.2f})",
                f"{e['zenoh_MBps']:.1f}", f"{e['hazcat_MBps']:.1f}",
                f"{e['throughput_ratio']:.2f} ({e['throughput_ratio_min']:.2f}-"
                f"{e['throughput_ratio_max']:.2f})", f"{e['zenoh_delivered']:.0%}",
                f"{e['hazcat_delivered']:.0%}"]

    table = [head] + [cells(e) for e in summary]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        print('  '.join(c.rjust(w) for c, w in zip(r, widths)))
    verdict = []
    for e in summary:
        if e['size'] == TARGET_SIZE:
            verdict.append(f"At 1 MiB: throughput {e['throughput_ratio']:.2f}x bare Zenoh's "
                           f"(target >= {THR_TARGET}x: "
                           f"{'met' if e['throughput_ratio'] >= THR_TARGET else 'missed'}), "
                           f"latency {e['latency_ratio']:.2f}x (target <= {LAT_TARGET}x: "
                           f"{'met' if e['latency_ratio'] <= LAT_TARGET else 'missed'}).")
    for v in verdict:
        print(v)
    with open(out / 'bridge_bench.csv', 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(summary[0]))
        w.writeheader()
        w.writerows(summary)
    md = ['# hazcat bridge vs bare Zenoh, host to host (two network namespaces)', '']
    if machine:
        md += [machine, '']
    md += ['Latency: one-way = median round trip / 2. Throughput: bytes received per second '
           'while the sender sends back to back (delivered: received / sent). Values are medians '
           'over rounds; ratios are medians of per-round ratios (bridge / Zenoh), with their '
           'range.', '']
    md.append('| ' + ' | '.join(head) + ' |')
    md.append('|' + '---|' * len(head))
    md += ['| ' + ' | '.join(cells(e)) + ' |' for e in summary]
    md += [''] + verdict
    (out / 'bridge_bench.md').write_text('\n'.join(md) + '\n')
    (out / 'bridge_bench.json').write_text(json.dumps({'summary': summary, 'raw': rows},
                                                      indent=1) + '\n')
    print(f'wrote {out}/bridge_bench.{{csv,md,json}}', file=sys.stderr)


if __name__ == '__main__':
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else '')
