"""auditctl for a lab node, served by the node's init (the `auditctl` on the node is the small C
client lab/standins/ctl-client.c). The kernel's audit rules are host-wide (never touched by the
lab), so this keeps a private rule list per node in /run/nwlab-audit (a node's /run is its own
tmpfs, lost at boot like kernel state). Speaks the parts of auditctl nodeward and the tests use:
-l, -s, -D, -R FILE, -w PATH [-p PERM] [-k KEY], -W PATH, -b N, -f N, -e N, -a/-A RULE,
--backlog_wait_time N. `-e 2` makes the rules immutable, as with the real kernel.
"""
import json
import os
import shlex
import threading

# The init serves each request on a thread of its own: one auditctl at a time, as the kernel
# serialises rule changes.
_LOCK = threading.Lock()

STATE = '/run/nwlab-audit/state.json'


def load():
    try:
        with open(STATE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {'enabled': 1, 'failure': 1, 'backlog_limit': 64, 'backlog_wait_time': 60000, 'rules': []}


def save(state):
    os.makedirs(os.path.dirname(STATE), exist_ok=True)
    tmp = STATE + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f)
    os.replace(tmp, STATE)


class Refused(Exception):
    pass


def apply(state, argv):
    """One auditctl command line; changes state or raises Refused(message)."""
    if not argv:
        return
    mutating = argv[0] not in ('-l', '-s')
    if mutating and state['enabled'] == 2:
        raise Refused('The audit system is in immutable mode, no rule changes allowed')
    i = 0
    watch = None
    while i < len(argv):
        a = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if a == '-D':
            state['rules'] = []
        elif a in ('-b', '-f', '-e', '--backlog_wait_time', '-r'):
            if nxt is None or not nxt.lstrip('-').isdigit():
                raise Refused(f'Option {a} requires a number')
            key = {'-b': 'backlog_limit', '-f': 'failure', '-e': 'enabled', '--backlog_wait_time': 'backlog_wait_time', '-r': 'rate_limit'}[a]
            if a == '-e' and int(nxt) not in (0, 1, 2):
                raise Refused('Enable must be 0, 1, or 2 was ' + nxt)
            state[key] = int(nxt)
            i += 1
        elif a == '-w':
            if nxt is None or not nxt.startswith('/'):
                raise Refused('The path must start with /')
            watch = {'path': nxt, 'perm': 'rwxa', 'key': None}
            i += 1
        elif a == '-p' and watch is not None:
            if nxt is None or not nxt or any(c not in 'rwxa' for c in nxt):
                raise Refused('Permission ' + str(nxt) + ' is invalid')
            watch['perm'] = nxt
            i += 1
        elif a == '-k':
            if nxt is None:
                raise Refused('Option -k requires an argument')
            if watch is not None:
                watch['key'] = nxt
            i += 1
        elif a == '-W':
            if nxt is None:
                raise Refused('Option -W requires a path')
            before = len(state['rules'])
            state['rules'] = [r for r in state['rules'] if not r.startswith(f'-w {nxt} ')]
            if len(state['rules']) == before:
                raise Refused('Error sending delete rule data request (No such file or directory)')
            return
        elif a in ('-a', '-A'):
            rule = ' '.join(argv[i:])
            if rule in state['rules']:
                raise Refused('Error sending add rule data request (Rule exists)')
            state['rules'].append('-a ' + ' '.join(argv[i + 1:]))
            return
        else:
            raise Refused(f'unknown option {a}')
        i += 1
    if watch is not None:
        perm = ''.join(c for c in 'rwxa' if c in watch['perm'])
        line = f"-w {watch['path']} -p {perm}" + (f" -k {watch['key']}" if watch['key'] else '')
        if line in state['rules']:
            raise Refused('Error sending add rule data request (Rule exists)')
        state['rules'].append(line)


def status(state):
    return (f"enabled {state['enabled']}\nfailure {state['failure']}\npid 0\nrate_limit {state.get('rate_limit', 0)}\n"
            f"backlog_limit {state['backlog_limit']}\nlost 0\nbacklog 0\nbacklog_wait_time {state['backlog_wait_time']}\n"
            'backlog_wait_time_actual 0\nloginuid_immutable 0 unlocked\n')


def auditctl(argv, uid, cwd):
    """One auditctl command line as the C client sends it: (exit code, stdout, stderr)."""
    with _LOCK:
        return _run(argv, uid, cwd or '/')


def _run(argv, uid, cwd):
    if uid != 0:
        return 4, '', 'You must be root to run this program.\n'
    state = load()
    if argv == ['-l']:
        return 0, '\n'.join(state['rules']) + '\n' if state['rules'] else 'No rules\n', ''
    if argv == ['-s']:
        return 0, status(state), ''
    if len(argv) == 2 and argv[0] == '-R':
        try:
            with open(os.path.join(cwd, argv[1])) as f:
                lines = f.read().splitlines()
        except OSError as e:
            return 1, '', f'Error opening rules file ({e.strerror})\n'
        errors = []
        for n, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            try:
                apply(state, shlex.split(line))
            except Refused as e:
                errors.append(f'{e}\nThere was an error in line {n} of {argv[1]}\n')
        save(state)
        return (1 if errors else 0), (status(state) if state['enabled'] != 0 else ''), ''.join(errors)
    try:
        apply(state, argv)
    except Refused as e:
        return 1, '', f'{e}\n'
    save(state)
    return 0, '', ''
