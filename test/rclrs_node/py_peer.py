"""rclpy peer of the rclrs relay (scripts/rclrs_check.sh).

    python py_peer.py N PREFIX

Publishes N std_msgs/String messages on /from_py, one at a time, and checks that each comes back
on /from_rs as PREFIX + the message, exactly and in order (ping-pong: the next message goes out
only after the previous echo arrived). Then publishes `__quit__`, which ends the relay, and waits
until the relay's subscription has gone from the graph.

Nothing is timed: before publishing it waits until /from_py has a matched subscription and
/from_rs a matched publisher (the relay creates its subscription only once its publisher has
matched ours); every wait ends on its condition, and HAZCAT_RCLRS_TIMEOUT_S (default 60) only
turns a condition that never comes into a failure.

Prints `rclpy: rmw <identifier>` first, then `rclpy: P passed, F failed` (one case per message),
and exits 0 when F is 0.
"""

import os
import sys
import time

import rclpy
from std_msgs.msg import String

QUIT = "__quit__"


def payload(i):
    """Message i: short ASCII, non-ASCII, empty and long (up to ~100 KB) strings in turn."""
    kind = i % 4
    if kind == 0:
        return f"msg {i}"
    if kind == 1:
        return f"msg {i} h\u00e9llo w\u00f6rld \u2713 \U0001f980 tab\there\nnewline"
    if kind == 2:
        return ""
    return f"msg {i} " + "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36:] * (1 + (i * 97) % 2800)


def main():
    count, prefix = int(sys.argv[1]), sys.argv[2]
    timeout = float(os.environ.get("HAZCAT_RCLRS_TIMEOUT_S", "60"))
    rclpy.init()
    print(f"rclpy: rmw {rclpy.get_rmw_implementation_identifier()}", flush=True)
    node = rclpy.create_node("hazcat_rclpy_peer")
    received = []
    sub = node.create_subscription(String, "/from_rs", lambda m: received.append(m.data), 10)
    pub = node.create_publisher(String, "/from_py", 10)
    deadline = time.monotonic() + timeout

    def wait_for(condition, what):
        # spin_once returns as soon as something is ready; graph counts are re-read after each
        # wake-up or after at most 50 ms.
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            rclpy.spin_once(node, timeout_sec=0.05)

    passed = failed = 0
    try:
        wait_for(
            lambda: pub.get_subscription_count() >= 1 and sub.get_publisher_count() >= 1,
            "the relay to match /from_py and /from_rs",
        )
        print("rclpy: matched", flush=True)
        for i in range(count):
            sent = payload(i)
            pub.publish(String(data=sent))
            wait_for(lambda: len(received) > i, f"the echo of message {i}")
            if received[i] == prefix + sent:
                passed += 1
            else:
                failed += 1
                print(
                    f"rclpy: message {i}: sent {sent[:80]!r} ({len(sent)} chars), "
                    f"got {received[i][:80]!r} ({len(received[i])} chars)",
                    flush=True,
                )
        pub.publish(String(data=QUIT))
        wait_for(lambda: pub.get_subscription_count() == 0, "the relay to leave after quit")
        rclpy.spin_once(node, timeout_sec=0)
        if len(received) != count:
            failed += 1
            print(f"rclpy: {len(received) - count} unexpected extra messages", flush=True)
    except TimeoutError as e:
        print(f"rclpy: {e}", flush=True)
        failed += count - passed - failed or 1
    finally:
        node.destroy_node()
        rclpy.shutdown()
    print(f"rclpy: {passed} passed, {failed} failed", flush=True)
    sys.exit(0 if failed == 0 and passed == count else 1)


if __name__ == "__main__":
    main()
