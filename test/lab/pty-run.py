#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal of COLS x ROWS (0 x 0 is a terminal with no size, as CI
runners give), prints everything it wrote there, and exits with its status.

usage: pty-run.py COLS ROWS CMD [ARG...]
"""
import fcntl
import os
import pty
import struct
import sys
import termios

cols, rows, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, master = pty.fork()
if pid == 0:
    # in the child the pty's slave side is stdin, stdout and stderr: size it before the program starts
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(cmd[0], cmd)
out = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the child closed its side
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
