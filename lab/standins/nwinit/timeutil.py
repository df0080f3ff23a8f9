"""systemd time spans and timestamps."""

import re
import time

_UNITS = {
    'us': 1, 'usec': 1, 'ms': 1000, 'msec': 1000,
    's': 1_000_000, 'sec': 1_000_000, 'second': 1_000_000, 'seconds': 1_000_000,
    'm': 60_000_000, 'min': 60_000_000, 'minute': 60_000_000, 'minutes': 60_000_000, 'mins': 60_000_000,
    'h': 3_600_000_000, 'hr': 3_600_000_000, 'hour': 3_600_000_000, 'hours': 3_600_000_000,
    'd': 86_400_000_000, 'day': 86_400_000_000, 'days': 86_400_000_000,
    'w': 604_800_000_000, 'week': 604_800_000_000, 'weeks': 604_800_000_000,
}


def parse_timespan_us(text, default_unit='s'):
    """'10', '100ms', '1min 30s', 'infinity' -> microseconds (None for infinity)."""
    text = text.strip()
    if text == 'infinity':
        return None
    total = 0
    found = False
    for num, unit in re.findall(r'(\d+(?:\.\d+)?)\s*([a-z]*)', text):
        found = True
        total += float(num) * _UNITS.get(unit or default_unit, 1_000_000)
    if not found:
        raise ValueError(f'bad time span: {text!r}')
    return int(total)


def format_timespan(us):
    if us is None:
        return 'infinity'
    if us == 0:
        return '0'
    parts = []
    for name, size in (('h', 3_600_000_000), ('min', 60_000_000), ('s', 1_000_000), ('ms', 1000), ('us', 1)):
        if us >= size:
            parts.append(f'{us // size}{name}')
            us %= size
    return ' '.join(parts)


def format_timestamp(realtime_us):
    if not realtime_us:
        return ''
    return time.strftime('%a %Y-%m-%d %H:%M:%S %Z', time.localtime(realtime_us / 1e6))


def format_ago(realtime_us):
    delta = max(0, time.time() - realtime_us / 1e6)
    if delta < 1:
        return f'{int(delta * 1000)}ms ago'
    if delta < 60:
        return f'{int(delta)}s ago'
    if delta < 3600:
        return f'{int(delta // 60)}min {int(delta % 60)}s ago'
    return f'{int(delta // 3600)}h {int(delta % 3600 // 60)}min ago'


def now_pair():
    """(realtime µs, monotonic µs), the pair systemd stores for every timestamp."""
    return time.time_ns() // 1000, time.monotonic_ns() // 1000


def parse_time_spec(text, now_us=None):
    """journalctl --since/--until: absolute, 'today', 'yesterday', 'now', '-2min', '5 min ago', '@EPOCH'."""
    now_us = now_us if now_us is not None else time.time_ns() // 1000
    t = text.strip()
    if t == 'now':
        return now_us
    if t in ('today', 'yesterday', 'tomorrow'):
        lt = time.localtime(now_us / 1e6)
        midnight = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 0, 0, 0, 0, 0, -1))
        shift = {'today': 0, 'yesterday': -86400, 'tomorrow': 86400}[t]
        return int((midnight + shift) * 1e6)
    if t.startswith('@'):
        return int(float(t[1:]) * 1e6)
    m = re.fullmatch(r'([+-])?\s*(.+?)(\s+ago)?', t)
    if m and (m.group(1) or m.group(3)) and re.fullmatch(r'[\d.\sa-z]+', m.group(2)):
        span = parse_timespan_us(m.group(2))
        sign = 1 if m.group(1) == '+' and not m.group(3) else -1
        return now_us + sign * (span or 0)
    for fmt in ('%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d', '%Y-%m-%dT%H:%M:%S'):
        try:
            return int(time.mktime(time.strptime(t.split('.')[0].removesuffix(' UTC'), fmt)) * 1e6)
        except ValueError:
            pass
    for fmt in ('%H:%M:%S', '%H:%M'):
        try:
            parsed = time.strptime(t, fmt)
            lt = time.localtime(now_us / 1e6)
            return int(time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, parsed.tm_hour, parsed.tm_min,
                                    parsed.tm_sec, 0, 0, -1)) * 1e6)
        except ValueError:
            pass
    raise ValueError(f'Failed to parse timestamp: {text}')
