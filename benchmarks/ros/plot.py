"""Draws rclpy_pingpong.png from rclpy_pingpong.json (written by rclpy_pingpong.py):

    python plot.py DIR

Left: round-trip p50 (solid) and p99 (dashed) per system over message size, log-log. Right: the
hazcat/fastrtps ratio (median of per-round ratios) at p50 and p99; below 1 is faster for hazcat.
Needs matplotlib (benchmarks/ros/requirements-plot.txt), not ROS.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from pingpong_table import size_label as label  # noqa: E402 (this directory)


def main(out):
    data = json.loads((out / 'rclpy_pingpong.json').read_text())
    systems, summary = data['systems'], data['summary']
    sizes = [e['size'] for e in summary]
    fig, axes = plt.subplots(1, 2 if len(systems) == 2 else 1, figsize=(12, 4.8), squeeze=False)
    ax = axes[0][0]
    for s, color in zip(systems, ('tab:blue', 'tab:orange')):
        name = data['rmw'][s]
        ax.plot(sizes, [e[f'{s}_p50'] for e in summary], 'o-', color=color, label=f'{name} p50')
        ax.plot(sizes, [e[f'{s}_p99'] for e in summary], 's--', color=color, alpha=0.6,
                label=f'{name} p99')
    ax.set_xscale('log', base=2)
    ax.set_yscale('log')
    ax.set_xticks(sizes, [label(n) for n in sizes])
    ax.set_xlabel('payload (std_msgs/UInt8MultiArray data)')
    ax.set_ylabel('round trip µs')
    ax.set_title(f'rclpy ping-pong, {data["rounds"]} alternating rounds')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    if len(systems) == 2:
        ax = axes[0][1]
        ax.plot(sizes, [e['ratio_p50'] for e in summary], 'o-', label='p50')
        ax.plot(sizes, [e['ratio_p99'] for e in summary], 's--', label='p99')
        ax.axhline(1.0, color='grey', lw=1)
        ax.set_xscale('log', base=2)
        ax.set_xticks(sizes, [label(n) for n in sizes])
        ax.set_ylim(bottom=0)
        ax.set_xlabel('payload')
        ax.set_ylabel(f'{systems[0]} / {systems[1]}')
        ax.set_title('median of per-round ratios')
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / 'rclpy_pingpong.png', dpi=100)
    print(f'wrote {out / "rclpy_pingpong.png"}', file=sys.stderr)


if __name__ == '__main__':
    main(Path(sys.argv[1] if len(sys.argv) > 1 else 'bench-results/ros'))
