"""Draws hazcat_scale.png from hazcat_scale.json (written by scale.py):

    python plot_scale.py DIR

Three panels, one group of bars per scenario, hazcat next to Fast DDS, log scale: the resident
shared memory of the run (KiB), the processes' RSS (KiB) and the creation time per entity (µs). A
run that failed has no bar but its failure written where the bar would be.
Needs matplotlib (benchmarks/ros/requirements-plot.txt), not ROS.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

PANELS = [('shm_kib', 'shared memory, resident KiB'), ('rss_kib', 'RSS KiB (all processes)'),
          ('create_us_per', 'creation µs per entity')]
COLORS = {'hazcat': 'tab:blue', 'fastrtps': 'tab:orange'}


def main(out):
    data = json.loads((out / 'hazcat_scale.json').read_text())
    rows, systems = data['rows'], data['systems']
    labels = []
    for r in rows:
        if r['label'] not in labels:
            labels.append(r['label'])
    width = 0.8 / len(systems)
    fig, axes = plt.subplots(1, len(PANELS), figsize=(18, 6.5))
    for ax, (key, title) in zip(axes, PANELS):
        for k, system in enumerate(systems):
            xs, ys, failed = [], [], []
            for x, lab in enumerate(labels):
                r = next((r for r in rows if r['label'] == lab and r['rmw'] == system), None)
                if r is None:
                    continue
                pos = x + (k - (len(systems) - 1) / 2) * width
                if r.get(key):
                    xs.append(pos)
                    ys.append(r[key])
                if r['status'] != 'ok':
                    failed.append((pos, r['status'].split(',')[0]))
            ax.bar(xs, ys, width, color=COLORS.get(system), label=data['rmw'][system])
            for pos, why in failed:
                ax.annotate(why, (pos, 0), xycoords=('data', 'axes fraction'), xytext=(0, 4),
                            textcoords='offset points', rotation=90, fontsize=7, color='red',
                            ha='center', va='bottom')
        ax.set_yscale('log')
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.set_xticks(range(len(labels)), labels, rotation=40, ha='right', fontsize=8)
        ax.set_title(title)
        ax.grid(True, axis='y', which='both', alpha=0.3)
        ax.legend(fontsize=8)
    what = 'hazcat-scale' + (' --quick' if data.get('quick') else '')
    if data.get('shm_size'):
        what += f', hazcat in a {data["shm_size"]} tmpfs'
    fig.suptitle(what)
    fig.tight_layout()
    fig.savefig(out / 'hazcat_scale.png', dpi=100)
    print(f'wrote {out / "hazcat_scale.png"}', file=sys.stderr)


if __name__ == '__main__':
    main(Path(sys.argv[1] if len(sys.argv) > 1 else 'bench-results/scale'))
