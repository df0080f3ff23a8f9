#!/usr/bin/python3
"""PID 1 of a lab node (or of the bastion): private mounts, hostname, seeded sysctls, then a small
systemd-compatible service manager serving /run/systemd/private.

Usage: init.py BOOT_JSON   (written by lab/seed.ts; see lab/README.md)
"""

import ctypes
import json
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nwinit.journal import Journal  # noqa: E402
from nwinit.manager import Manager  # noqa: E402
from nwinit.server import serve  # noqa: E402

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

_libc = ctypes.CDLL(None, use_errno=True)


def mount(src, target, fstype=None, flags=0, data=None):
    rc = _libc.mount(src.encode() if src else None, target.encode(),
                     fstype.encode() if fstype else None, flags, data.encode() if data else None)
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f'mount {src} on {target} ({fstype}): {os.strerror(err)}')


def log(msg):
    sys.stderr.write(time.strftime('%H:%M:%S ') + msg + '\n')
    sys.stderr.flush()


def prepare_upper(boot):
    """Overlay whiteouts and opaque dirs must exist in upper/ before the overlay is mounted."""
    upper = os.path.join(boot['nodeDir'], 'upper')
    for rel in boot.get('whiteouts', []):
        path = os.path.join(upper, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.lexists(path):
            os.mknod(path, 0o600 | 0o020000, os.makedev(0, 0))
    for rel in boot.get('opaqueDirs', []):
        path = os.path.join(upper, rel)
        os.makedirs(path, exist_ok=True)
        os.setxattr(path, 'trusted.overlay.opaque', b'y')


def mount_tree(boot):
    node_dir = boot['nodeDir']
    mount(None, '/', None, MS_REC | MS_PRIVATE)
    for d in boot['overlays']:
        upper = os.path.join(node_dir, 'upper', d)
        work = os.path.join(node_dir, 'work', d)
        os.makedirs(upper, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        mount('overlay', '/' + d, 'overlay', 0, f'lowerdir=/{d},upperdir={upper},workdir={work}')
    mount('tmpfs', '/run', 'tmpfs', MS_NOSUID | MS_NODEV, 'mode=755')
    # /run/systemd/system is how sd_booted() and Debian's `service` tell that systemd is PID 1.
    for path, mode in (('/run/lock', 0o1777), ('/run/systemd', 0o755), ('/run/systemd/system', 0o755), ('/run/user', 0o755)):
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
    # /proc/sys read-only except net (per network namespace) and the per-node key files.
    mount('/proc/sys', '/proc/sys', None, MS_BIND)
    mount(None, '/proc/sys', None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    mount('/proc/sys/net', '/proc/sys/net', None, MS_BIND)
    mount(None, '/proc/sys/net', None, MS_REMOUNT | MS_BIND)
    for key in boot.get('sysctlKeys', []):
        target = '/proc/sys/' + key.replace('.', '/')
        if os.path.exists(target):
            mount(os.path.join(node_dir, 'sysctl', key), target, None, MS_BIND)
    if boot.get('privateTmp'):
        # A real node has its own /tmp; the lab's state dir (keys, lab.json) must not be visible inside.
        keep = [node_dir] + boot.get('tmpBinds', [])
        mount('tmpfs', '/tmp', 'tmpfs', MS_NOSUID | MS_NODEV, 'mode=1777')
        # Bind the node's own dir (and the API socket) back from fds opened before the tmpfs hid them.
        for path in keep:
            src = f'/proc/self/fd/{_held[path]}'
            if os.path.isdir(src):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, 'a').close()
            mount(src, path, None, MS_BIND)
        for fd in _held.values():
            os.close(fd)


_held = {}


def hold_paths(boot):
    if not boot.get('privateTmp'):
        return
    for path in [boot['nodeDir']] + boot.get('tmpBinds', []):
        _held[path] = os.open(path, os.O_PATH)


def apply_live_sysctls(values):
    for key, value in values.items():
        path = '/proc/sys/' + key.replace('.', '/')
        try:
            with open(path, 'w') as f:
                f.write(str(value) + '\n')
        except OSError as e:
            log(f'sysctl {key}={value}: {e}')


def main():
    boot_path = sys.argv[1]
    with open(boot_path) as f:
        boot = json.load(f)
    os.chdir('/')
    os.umask(0o022)
    node_dir = boot['nodeDir']
    log_dir = os.path.join(node_dir, 'log')
    os.makedirs(log_dir, exist_ok=True)
    prepare_upper(boot)
    hold_paths(boot)
    mount_tree(boot)
    socket.sethostname(boot['name'])
    apply_live_sysctls(boot.get('liveSysctls', {}))

    journal = Journal(os.path.join(log_dir, 'journal.jsonl'), boot['name'])
    base_env = {
        'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'NWLAB_NODE_DIR': node_dir,
        'NWLAB_APISERVER_SOCK': boot.get('apiserverSock', ''),
    }
    mgr = Manager(journal, base_env)
    stop = threading.Event()

    def on_term(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    threading.Thread(target=mgr.reap_forever, daemon=True, name='reaper').start()
    mgr.start_notify_socket('/run/systemd/notify')
    sockets = ['/run/systemd/private', os.path.join(node_dir, 'control.sock')]
    threading.Thread(target=serve, args=(mgr, sockets), daemon=True, name='server').start()
    journal.write('systemd', 1, None, f'systemd 252.38-1~deb12u1 running in system mode (lab node {boot["name"]}).')
    mgr.boot_enabled_units()
    with open(os.path.join(node_dir, 'ready'), 'w') as f:
        f.write(json.dumps({'bootedAt': time.time()}) + '\n')
    log('boot complete')
    while not stop.wait(1.0):
        pass
    log('shutting down')
    mgr.shutdown()
    try:
        os.unlink(os.path.join(node_dir, 'ready'))
    except OSError:
        pass
    os._exit(0)


if __name__ == '__main__':
    try:
        main()
    except Exception as e:  # PID 1 must say why it died, then die (the pid namespace goes with it).
        import traceback
        traceback.print_exc()
        log(f'init failed: {e}')
        os._exit(1)
