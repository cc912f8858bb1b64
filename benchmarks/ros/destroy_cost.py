"""Per-publisher cost of destroying N publishers (distinct topics, one node) with
`Publisher.destroy()`, i.e. without rclpy's `Node.destroy_publisher` list bookkeeping (an O(n)
list removal that hazcat-scale's destroy column includes). Run it under each RMW:

    LD_PRELOAD=<abs>/librmw_hazcat_rs.so RMW_IMPLEMENTATION=rmw_hazcat_rs \\
        <venv>/bin/python benchmarks/ros/destroy_cost.py 1000 10000
    <venv>/bin/python benchmarks/ros/destroy_cost.py 1000 10000     # the wheels' Fast DDS
"""

import sys
import time

import rclpy
from std_msgs.msg import String


def main():
    rclpy.init()
    node = rclpy.create_node('destroy_cost')
    for n in map(int, sys.argv[1:] or ['1000', '10000']):
        pubs = [node.create_publisher(String, f'/destroy_cost/t{i}', 10) for i in range(n)]
        start = time.perf_counter()
        for p in pubs:
            p.destroy()
        per = (time.perf_counter() - start) / n * 1e6
        print(f'{n} publishers: Publisher.destroy {per:.1f} us each')
    node.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    main()
