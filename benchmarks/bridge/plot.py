"""Draws bridge_bench.png from bridge_bench.json (scripts/bridge_bench.sh):

    python plot.py DIR

Left: one-way latency; middle: throughput, per transport over message size (log-log); right:
the bridge / Zenoh ratios (medians of per-round ratios) with the issue's targets at 1 MiB.
Needs matplotlib (benchmarks/ros/requirements-plot.txt).
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

# Size labels as the ROS benchmark's plot writes them.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'ros'))
from plot import label  # noqa: E402




def main(out):
    summary = json.loads((out / 'bridge_bench.json').read_text())['summary']
    sizes = [e['size'] for e in summary]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, field, unit in ((axes[0], 'latency_us', 'one-way latency µs'),
                            (axes[1], 'MBps', 'throughput MB/s')):
        for t, name, color in (('zenoh', 'bare Zenoh', 'tab:blue'),
                               ('hazcat', 'hazcat bridge', 'tab:orange')):
            ax.plot(sizes, [e[f'{t}_{field}'] for e in summary], 'o-', color=color, label=name)
        ax.set_xscale('log', base=2)
        ax.set_yscale('log')
        ax.set_xticks(sizes, [label(n) for n in sizes])
        ax.set_xlabel('message size (CDR bytes)')
        ax.set_ylabel(unit)
        ax.grid(True, which='both', alpha=0.3)
        ax.legend()
    ax = axes[2]
    ax.plot(sizes, [e['latency_ratio'] for e in summary], 'o-', label='latency (lower is better)')
    ax.plot(sizes, [e['throughput_ratio'] for e in summary], 's-',
            label='throughput (higher is better)')
    ax.axhline(1.2, color='tab:blue', ls=':', lw=1, label='latency target 1.2')
    ax.axhline(0.9, color='tab:orange', ls=':', lw=1, label='throughput target 0.9')
    ax.set_xscale('log', base=2)
    ax.set_xticks(sizes, [label(n) for n in sizes])
    ax.set_ylim(bottom=0)
    ax.set_xlabel('message size')
    ax.set_ylabel('bridge / Zenoh')
    ax.set_title('median of per-round ratios')
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / 'bridge_bench.png', dpi=100)
    print(f'wrote {out / "bridge_bench.png"}', file=sys.stderr)


if __name__ == '__main__':
    main(Path(sys.argv[1] if len(sys.argv) > 1 else 'bench-results/bridge'))
