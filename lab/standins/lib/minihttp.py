"""A tiny single-threaded HTTP/1.1 server loop and a unix-socket HTTP client.

The kubelet stand-in runs on every node, so it avoids http.server (a thread per connection and
the email package): one selector loop serves all its listeners and runs its timers.
"""

import errno
import json
import os
import selectors
import socket
import time

MAX_HEADER = 65536
IDLE_TIMEOUT = 10.0

REASONS = {200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found',
           405: 'Method Not Allowed', 500: 'Internal Server Error'}


class Request:
    __slots__ = ('method', 'path', 'query', 'headers', 'body')

    def __init__(self, method, target, headers, body):
        self.method = method
        self.path, _, self.query = target.partition('?')
        self.headers = headers
        self.body = body


class Loop:
    """Listeners + timers on one selector. Handlers return (status, content_type, body_bytes)."""

    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.timers = []  # [due, interval, fn]
        self.running = True

    def listen_tcp(self, host, port, handler, raw=None):
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
        sock.setblocking(False)
        self.sel.register(sock, selectors.EVENT_READ, ('listener', handler, raw))
        return sock

    def listen_unix(self, path, handler, raw=None, mode=0o660, uid=0, gid=0):
        if os.path.exists(path) or os.path.islink(path):
            os.unlink(path)
        os.makedirs(os.path.dirname(path) or '.', mode=0o711, exist_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        os.chmod(path, mode)
        os.chown(path, uid, gid)
        sock.listen(64)
        sock.setblocking(False)
        self.sel.register(sock, selectors.EVENT_READ, ('listener', handler, raw))
        return sock

    def every(self, interval, fn, first_delay=0.0):
        self.timers.append([time.monotonic() + first_delay, interval, fn])

    def stop(self):
        self.running = False

    def run(self):
        while self.running:
            now = time.monotonic()
            for timer in self.timers:
                if timer[0] <= now:
                    timer[0] = now + timer[1]
                    timer[2]()
                    if not self.running:
                        return
            due = min((t[0] for t in self.timers), default=now + 1.0)
            timeout = max(0.0, min(due - time.monotonic(), 1.0))
            try:
                events = self.sel.select(timeout)
            except InterruptedError:
                continue
            for key, _ in events:
                kind = key.data[0]
                if kind == 'listener':
                    self._accept(key)
                else:
                    self._read(key)
            self._expire()

    def _accept(self, key):
        try:
            conn, _ = key.fileobj.accept()
        except OSError:
            return
        conn.setblocking(False)
        self.sel.register(conn, selectors.EVENT_READ, ['conn', key.data[1], key.data[2], b'', time.monotonic()])

    def _expire(self):
        now = time.monotonic()
        for key in list(self.sel.get_map().values()):
            if key.data[0] == 'conn' and now - key.data[4] > IDLE_TIMEOUT:
                self._close(key.fileobj)

    def _close(self, conn):
        try:
            self.sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    def _read(self, key):
        conn = key.fileobj
        data = key.data
        try:
            chunk = conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            self._close(conn)
            return
        if not chunk:
            self._close(conn)
            return
        data[3] += chunk
        buf = data[3]
        if data[2] is not None:
            # A "raw" listener answers from the bytes so far (None = wait for more), then closes.
            reply = data[2](buf)
            if reply is not None:
                self._send(conn, reply)
            elif len(buf) > MAX_HEADER:
                self._close(conn)
            return
        head_end = buf.find(b'\r\n\r\n')
        if head_end < 0:
            if len(buf) > MAX_HEADER:
                self._close(conn)
            return
        lines = buf[:head_end].decode('latin-1').split('\r\n')
        parts = lines[0].split(' ')
        if len(parts) != 3:
            self._send(conn, response(400, 'text/plain; charset=utf-8', b'400 Bad Request'))
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get('content-length', '0') or 0)
        if len(buf) - head_end - 4 < length:
            return
        body = buf[head_end + 4: head_end + 4 + length]
        req = Request(parts[0], parts[1], headers, body)
        try:
            status, ctype, payload = data[1](req)
        except Exception as e:  # a handler bug must not take the node's kubelet down
            status, ctype, payload = 500, 'text/plain; charset=utf-8', str(e).encode()
        self._send(conn, response(status, ctype, payload, head_only=req.method == 'HEAD'))

    def _send(self, conn, payload):
        try:
            conn.setblocking(True)
            conn.settimeout(2.0)
            conn.sendall(payload)
        except OSError:
            pass
        self._close(conn)


def response(status, ctype, body, head_only=False):
    date = time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())
    head = (f'HTTP/1.1 {status} {REASONS.get(status, "Unknown")}\r\nContent-Type: {ctype}\r\n'
            f'Date: {date}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n')
    return head.encode() + (b'' if head_only else body)


class HTTPError(Exception):
    pass


def unix_request(sock_path, method, path, body=None, content_type='application/json', timeout=3.0):
    """One HTTP request over a unix socket; returns (status, parsed JSON or None)."""
    payload = b'' if body is None else json.dumps(body, separators=(',', ':')).encode()
    head = (f'{method} {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: kubelet/v1.31.4 (linux/amd64) kubernetes/a78aa47\r\n'
            f'Accept: application/json\r\nConnection: close\r\nContent-Length: {len(payload)}\r\n')
    if body is not None:
        head += f'Content-Type: {content_type}\r\n'
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(sock_path)
        sock.sendall(head.encode() + b'\r\n' + payload)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError as e:
        raise HTTPError(f'dial unix {sock_path}: {describe_oserror(e)}') from None
    finally:
        sock.close()
    raw = b''.join(chunks)
    head_end = raw.find(b'\r\n\r\n')
    if head_end < 0:
        raise HTTPError('malformed HTTP response')
    status = int(raw[:head_end].split(b' ', 2)[1])
    content = raw[head_end + 4:]
    try:
        parsed = json.loads(content) if content else None
    except ValueError:
        parsed = None
    return status, parsed


def describe_oserror(err):
    """Go-style errno text: "connect: no such file or directory"."""
    if isinstance(err, socket.timeout):
        return 'i/o timeout'
    code = getattr(err, 'errno', None)
    text = (errno.errorcode.get(code) and err.strerror or str(err)).lower()
    return f'connect: {text}'


def line_request(sock_path, line, timeout=2.0):
    """The containerd stand-in's line protocol: send one line, read one JSON line."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(sock_path)
        sock.sendall(line.encode() + b'\n')
        buf = b''
        while not buf.endswith(b'\n'):
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk
    finally:
        sock.close()
    return json.loads(buf)
