"""Control sockets: one JSON request per connection {tool, argv}, one JSON reply {code, stdout, stderr}."""

import json
import os
import select
import socket
import struct
import threading

from . import ctl


def serve(mgr, paths):
    socks = []
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.bind(path)
        except OSError as e:  # e.g. a state dir too long for a unix socket path: the host side loses `status`
            print(f'control socket {path}: {e}', flush=True)
            s.close()
            continue
        os.chmod(path, 0o666)
        s.listen(64)
        socks.append(s)
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            conn, _ = s.accept()
            threading.Thread(target=_handle, args=(mgr, conn), daemon=True).start()


def _handle(mgr, conn):
    with conn:
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i'))
            _, uid, gid = struct.unpack('3i', creds)
            data = b''
            while not data.endswith(b'\n'):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            req = json.loads(data)
            code, out, err = ctl.dispatch(mgr, req.get('tool'), req.get('argv', []), uid, req.get('groups', []))
        except Exception as e:  # a bug here must not take PID 1 down
            import traceback
            code, out, err = 1, '', f'Failed: {e}\n{traceback.format_exc()}'
        try:
            conn.sendall(json.dumps({'code': code, 'stdout': out, 'stderr': err}).encode() + b'\n')
        except OSError:
            pass
