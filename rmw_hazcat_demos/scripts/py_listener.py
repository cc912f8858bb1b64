#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""rclpy listener on the talker's 8 MiB frames: Python nodes use rmw_hazcat_rs unmodified."""
import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rmw_hazcat_demos.msg import Frame


class PyListener(Node):

    def __init__(self):
        super().__init__('py_listener')
        self.create_subscription(Frame, 'frames', self.on_frame, 2)

    def on_frame(self, msg):
        age_ms = (self.get_clock().now().nanoseconds - msg.stamp_ns) / 1e6
        self.get_logger().info(f'frame {msg.seq}: {len(msg.data)} bytes, {age_ms:.3f} ms old')


def main():
    # Ctrl-C: rclpy's signal handler shuts the context down, and spin() then raises either
    # KeyboardInterrupt or ExternalShutdownException (which one depends on where it was): both
    # are a normal exit, and the node is destroyed only while the context still allows it.
    # A Ctrl-C while the node is still being built (its subscription may already be in the
    # graph) is a normal exit too.
    rclpy.init()
    node = None
    try:
        node = PyListener()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None and rclpy.ok():
            node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main()
