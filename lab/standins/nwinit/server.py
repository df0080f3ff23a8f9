"""Control sockets: one JSON request per connection {tool, argv, groups, cwd, reply}, one reply:
JSON {code, stdout, stderr}, or with "reply": "raw" (the node's C client, ctl-client.c) a header
line "CODE OUTLEN ERRLEN" and the two outputs' bytes."""

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
    raw = False
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
            # argv is bytes on a node: what is not UTF-8 passes through as surrogates, as in Python's own argv
            req = json.loads(data.decode('utf-8', 'surrogateescape'))
            raw = req.get('reply') == 'raw'
            code, out, err = ctl.dispatch(mgr, req.get('tool'), req.get('argv', []), uid, req.get('groups', []), req.get('cwd'))
        except Exception as e:  # a bug here must not take PID 1 down
            import traceback
            code, out, err = 1, '', f'Failed: {e}\n{traceback.format_exc()}'
        try:
            if raw:
                o, e = out.encode('utf-8', 'surrogateescape'), err.encode('utf-8', 'surrogateescape')
                conn.sendall(b'%d %d %d\n' % (code, len(o), len(e)) + o + e)
            else:
                conn.sendall(json.dumps({'code': code, 'stdout': out, 'stderr': err}).encode() + b'\n')
        except OSError:
            pass
