"""Log lines in the formats the real daemons use, so `journalctl -u` looks familiar.

klog (kubelet):     I1126 18:24:13.123456    1234 server.go:486] "Kubelet version" kubeletVersion="v1.31.4"
logrus (containerd): time="2024-11-26T18:24:13.123456789Z" level=info msg="starting containerd" version=1.7.24
"""

import os
import sys
import time


def _quote(value):
    s = str(value)
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def _kv(fields):
    parts = []
    for key, value in fields.items():
        if isinstance(value, bool):
            parts.append(f'{key}={"true" if value else "false"}')
        elif isinstance(value, (int, float)):
            parts.append(f'{key}={value}')
        else:
            parts.append(f'{key}={_quote(value)}')
    return (' ' + ' '.join(parts)) if parts else ''


def klog(level, where, msg, **fields):
    """level is one of I W E F; `where` is the source location the real kubelet prints (e.g. server.go:486)."""
    now = time.time()
    tm = time.localtime(now)
    micros = int((now % 1) * 1_000_000)
    header = f'{level}{tm.tm_mon:02d}{tm.tm_mday:02d} {tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}.{micros:06d} {os.getpid():7d} {where}]'
    err = fields.pop('err', None)
    line = f'{header} {_quote(msg)}'
    if err is not None:
        line += f' err={_quote(err)}'
    line += _kv(fields)
    stream = sys.stderr
    stream.write(line + '\n')
    stream.flush()


def logrus(level, msg, **fields):
    now = time.time()
    stamp = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(now)) + f'.{int((now % 1) * 1e9):09d}Z'
    line = f'time="{stamp}" level={level} msg={_quote(msg)}{_kv(fields)}'
    sys.stderr.write(line + '\n')
    sys.stderr.flush()
