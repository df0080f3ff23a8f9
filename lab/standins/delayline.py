#!/usr/bin/python3
"""Userspace delay line: forwards every frame between two interfaces after MS milliseconds.

Usage: delayline.py IFACE_A IFACE_B MS [TAG]   (run inside the lab's wan namespace; TAG only marks the process)
The kernel here has no netem. PACKET_VNET_HDR keeps GSO/TSO super-frames intact, so no offloads need to be turned off.
"""
import collections
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_OUTGOING = 4


def open_iface(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((name, 0))
    s.setblocking(False)
    return s


def main():
    a_name, b_name, ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    delay = ms / 1000.0
    a, b = open_iface(a_name), open_iface(b_name)
    peer = {a: b, b: a}
    queue = collections.deque()  # constant delay keeps FIFO order
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        now = time.monotonic()
        for s in readable:
            while True:
                try:
                    frame, addr = s.recvfrom(65536 + 64)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                queue.append((now + delay, peer[s], frame))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, out, frame = queue.popleft()
            try:
                out.send(frame)
            except OSError:
                pass


if __name__ == '__main__':
    main()
