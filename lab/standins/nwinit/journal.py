"""The node's journal: one JSON line per entry in nodes/NAME/log/journal.jsonl."""

import json
import threading
import time


class Journal:
    def __init__(self, path, hostname):
        self.path = path
        self.hostname = hostname
        self.lock = threading.Lock()
        self.f = open(path, 'a', buffering=1)

    def write(self, ident, pid, unit, message):
        entry = {'t': time.time_ns() // 1000, 'u': unit, 'i': ident, 'p': pid, 'm': message}
        line = json.dumps(entry, separators=(',', ':')) + '\n'
        with self.lock:
            self.f.write(line)

    def unit(self, unit, message):
        """A message systemd itself logs about a unit (shown by `journalctl -u UNIT`)."""
        self.write('systemd', 1, unit, message)

    def entries(self, units=None, since_us=None, until_us=None, identifiers=None):
        out = []
        with self.lock:
            self.f.flush()
            with open(self.path) as f:
                for line in f:
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if units is not None and e.get('u') not in units:
                        continue
                    if identifiers is not None and e.get('i') not in identifiers:
                        continue
                    if since_us is not None and e['t'] < since_us:
                        continue
                    if until_us is not None and e['t'] > until_us:
                        continue
                    out.append(e)
        return out
