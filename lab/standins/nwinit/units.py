"""Reading real systemd unit files: search path, aliases, masks, drop-ins, exec lines, environment files."""

import os
import re

from .timeutil import parse_timespan_us

SEARCH_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system',
               '/lib/systemd/system', '/usr/lib/systemd/system']
ETC = '/etc/systemd/system'
UNIT_TYPES = ('.service', '.socket', '.target', '.timer', '.mount', '.path', '.slice', '.scope',
              '.device', '.swap', '.automount')


def search_dirs():
    seen, out = set(), []
    for d in SEARCH_DIRS:
        real = os.path.realpath(d)
        if real in seen or not os.path.isdir(d):
            continue
        seen.add(real)
        out.append(d)
    return out


def normalize(name):
    name = name.strip()
    if not name.endswith(UNIT_TYPES):
        name += '.service'
    return name


def resolve(name):
    """Find a unit by any of its names. -> dict(found, masked, name, fragment, via) or found=False."""
    for d in search_dirs():
        path = os.path.join(d, name)
        if not os.path.lexists(path):
            continue
        target = path
        hops = 0
        while os.path.islink(target) and hops < 10:
            link = os.readlink(target)
            target = link if link.startswith('/') else os.path.join(os.path.dirname(target), link)
            hops += 1
            if target == '/dev/null':
                return {'found': True, 'masked': True, 'name': name, 'fragment': None, 'dir': d}
        if not os.path.isfile(target):
            continue
        return {'found': True, 'masked': False, 'name': os.path.basename(target), 'fragment': target,
                'dir': d, 'alias': os.path.basename(target) != name}
    return {'found': False, 'masked': False, 'name': name, 'fragment': None}


def parse_ini(text):
    """-> list of (section, key, value); handles comments and backslash continuations."""
    out = []
    section = None
    pending = ''
    for raw in text.splitlines():
        line = raw.strip() if not pending else raw
        if not pending and (not line or line[0] in '#;'):
            continue
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        line = (pending + line).strip()
        pending = ''
        if line.startswith('[') and line.endswith(']'):
            section = line[1:-1]
            continue
        if '=' not in line or section is None:
            continue
        key, value = line.split('=', 1)
        out.append((section, key.strip(), value.strip()))
    return out


def find_dropins(names):
    by_file = {}
    for d in reversed(search_dirs()):
        for n in names:
            dd = os.path.join(d, n + '.d')
            if not os.path.isdir(dd):
                continue
            for f in os.listdir(dd):
                if f.endswith('.conf'):
                    by_file[f] = os.path.join(dd, f)  # higher-priority dirs come later and win
    return [by_file[f] for f in sorted(by_file)]


def split_words(text):
    """systemd command-line splitting -> list of (word, is_split_var)."""
    words = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        buf = []
        quoted = False
        while i < n and not text[i].isspace():
            c = text[i]
            if c in '"\'':
                quoted = True
                q = c
                i += 1
                while i < n and text[i] != q:
                    if text[i] == '\\' and i + 1 < n:
                        i += 1
                    buf.append(text[i])
                    i += 1
                i += 1
            elif c == '\\' and i + 1 < n:
                buf.append(text[i + 1])
                i += 2
            else:
                buf.append(c)
                i += 1
        raw = text[start:i]
        word = ''.join(buf)
        words.append((word, not quoted and re.fullmatch(r'\$[A-Za-z_][A-Za-z0-9_]*', raw) is not None))
    return words


class ExecCommand:
    def __init__(self, raw):
        self.raw = raw
        rest = raw.lstrip()
        self.ignore_failure = False
        self.argv0_override = False
        while rest and rest[0] in '-@:+!':
            if rest[0] == '-':
                self.ignore_failure = True
            elif rest[0] == '@':
                self.argv0_override = True
            rest = rest[1:]
        self.words = split_words(rest)
        self.path = self.words[0][0] if self.words else ''

    def argv(self, env):
        out = []
        for word, split_var in self.words:
            if split_var:
                out.extend(env.get(word[1:], '').split())
            else:
                out.append(expand(word, env))
        if self.argv0_override and len(out) >= 2:
            return out[0], out[1:]
        return out[0] if out else '', out

    def show(self):
        argv = ' '.join(w for w, _ in self.words)
        ign = 'yes' if self.ignore_failure else 'no'
        return f'{{ path={self.path} ; argv[]={argv} ; ignore_errors={ign} ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }}'


def expand(word, env):
    def sub(m):
        if m.group(0) == '$$':
            return '$'
        return env.get(m.group(1), '')
    return re.sub(r'\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}', sub, word)


def parse_env_assignments(value):
    out = []
    for word, _ in split_words(value):
        if '=' in word:
            out.append(word)
    return out


def read_env_file(path):
    env = {}
    with open(path) as f:
        text = f.read().replace('\\\n', '')
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('export '):
            line = line[7:].strip()
        if '=' not in line:
            continue
        key, value = line.split('=', 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
            value = value[1:-1]
        env[key.strip()] = value
    return env


# systemd.resource-control(5): the symbolic names IPAddressAllow=/IPAddressDeny= accept, as `show` prints them
IP_ADDRESS_NAMES = {
    'any': ['0.0.0.0/0', '::/0'],
    'localhost': ['127.0.0.0/8', '::1/128'],
    'link-local': ['169.254.0.0/16', 'fe80::/64'],
    'multicast': ['224.0.0.0/4', 'ff00::/8'],
}


def ip_address_list(value):
    out = []
    for word in value.split():
        out += IP_ADDRESS_NAMES.get(word, [word])
    return out


def _bool(v):
    return v.strip().lower() in ('1', 'yes', 'true', 'on')


class UnitConfig:
    """Everything read from a unit's fragment and drop-ins (reread only on daemon-reload)."""

    def __init__(self, name, fragment, dropins, aliases):
        self.name = name
        self.fragment = fragment
        self.dropins = dropins
        self.aliases = aliases
        self.mtimes = self._mtimes()
        self.settings = []
        for path in [fragment] + dropins:
            with open(path) as f:
                self.settings.extend(parse_ini(f.read()))
        self.description = name
        self.documentation = []
        self.type = 'simple'
        self.exec = {k: [] for k in ('ExecStartPre', 'ExecStart', 'ExecStartPost', 'ExecReload', 'ExecStop', 'ExecStopPost')}
        self.environment = []
        self.environment_files = []
        self.ip_address_deny = []
        self.restart = 'no'
        self.restart_sec = 100_000
        self.restart_prevent = set()
        self.runtime_dirs = []
        self.runtime_mode = 0o755
        self.kill_mode = 'control-group'
        self.kill_signal = 15
        self.timeout_start = 90_000_000
        self.timeout_stop = 90_000_000
        self.start_limit_interval = 10_000_000
        self.start_limit_burst = 5
        self.remain_after_exit = False
        self.conditions = []
        self.after = []
        self.install = {'WantedBy': [], 'RequiredBy': [], 'Alias': [], 'Also': []}
        self.has_install = False
        for section, key, value in self.settings:
            self._apply(section, key, value)
        for alias in self.install['Alias']:  # enabled aliases (sshd.service) are names of this unit too
            if alias not in self.aliases and resolve(alias).get('name') == name:
                self.aliases.append(alias)

    def _mtimes(self):
        out = {}
        for p in [self.fragment] + self.dropins:
            try:
                out[p] = os.stat(p).st_mtime_ns
            except OSError:
                out[p] = None
        return out

    def changed_on_disk(self):
        if self._mtimes() != self.mtimes:
            return True
        return find_dropins([self.name] + self.aliases) != self.dropins

    def _apply(self, section, key, value):
        if section == 'Unit':
            if key == 'Description':
                self.description = value
            elif key == 'Documentation':
                self.documentation = [] if not value else self.documentation + value.split()
            elif key in ('StartLimitIntervalSec', 'StartLimitInterval'):
                self.start_limit_interval = parse_timespan_us(value) or 0
            elif key == 'StartLimitBurst':
                self.start_limit_burst = int(value)
            elif key == 'After':
                self.after += value.split()
            elif key.startswith('Condition') or key.startswith('Assert'):
                self.conditions.append((key, value))
        elif section == 'Service':
            if key in self.exec:
                if value == '':
                    self.exec[key] = []
                else:
                    self.exec[key].append(ExecCommand(value))
            elif key == 'Type':
                self.type = value
            elif key == 'Environment':
                self.environment = [] if not value else self.environment + parse_env_assignments(value)
            elif key == 'EnvironmentFile':
                if value == '':
                    self.environment_files = []
                else:
                    optional = value.startswith('-')
                    self.environment_files.append((value.lstrip('-'), optional))
            elif key == 'IPAddressDeny':
                self.ip_address_deny = [] if not value else self.ip_address_deny + ip_address_list(value)
            elif key == 'Restart':
                self.restart = value
            elif key == 'RestartSec':
                self.restart_sec = parse_timespan_us(value) or 0
            elif key == 'RestartPreventExitStatus':
                self.restart_prevent |= {int(v) for v in value.split() if v.isdigit()}
            elif key == 'RuntimeDirectory':
                self.runtime_dirs = [] if not value else self.runtime_dirs + value.split()
            elif key == 'RuntimeDirectoryMode':
                self.runtime_mode = int(value, 8)
            elif key == 'KillMode':
                self.kill_mode = value
            elif key == 'KillSignal':
                self.kill_signal = _signum(value)
            elif key == 'TimeoutStartSec':
                self.timeout_start = parse_timespan_us(value)
            elif key == 'TimeoutStopSec':
                self.timeout_stop = parse_timespan_us(value)
            elif key == 'TimeoutSec':
                self.timeout_start = self.timeout_stop = parse_timespan_us(value)
            elif key in ('StartLimitInterval', 'StartLimitIntervalSec'):
                self.start_limit_interval = parse_timespan_us(value) or 0
            elif key == 'StartLimitBurst':
                self.start_limit_burst = int(value)
            elif key == 'RemainAfterExit':
                self.remain_after_exit = _bool(value)
        elif section == 'Install':
            self.has_install = True
            if key in self.install:
                self.install[key] += value.split()

    def conditions_met(self):
        for key, value in self.conditions:
            if key not in ('ConditionPathExists', 'AssertPathExists'):
                continue
            negate = value.startswith('!')
            path = value.lstrip('!|')
            if os.path.exists(path) == negate:
                return False, f'{key}={value}'
        return True, None


def _signum(value):
    import signal
    v = value.strip().upper()
    if v.isdigit():
        return int(v)
    if not v.startswith('SIG'):
        v = 'SIG' + v
    return int(getattr(signal, v))


def load(name):
    """-> (UnitConfig | None, resolve-info)."""
    info = resolve(name)
    if not info['found'] or info['masked']:
        return None, info
    canonical = info['name']
    aliases = [name] if name != canonical else []
    dropins = find_dropins([canonical] + aliases)
    return UnitConfig(canonical, info['fragment'], dropins, aliases), info


def install_section(fragment):
    install = {'WantedBy': [], 'RequiredBy': [], 'Alias': [], 'Also': []}
    has = False
    with open(fragment) as f:
        for section, key, value in parse_ini(f.read()):
            if section == 'Install':
                has = True
                if key in install:
                    install[key] += value.split()
    return install, has


def unit_file_state(name):
    """Live from the file system, like `systemctl is-enabled`. -> state or None when not found."""
    info = resolve(name)
    if not info['found']:
        return None
    if info['masked']:
        return 'masked-runtime' if info['dir'] == '/run/systemd/system' else 'masked'
    if info.get('alias') and info['dir'] == ETC:
        return 'alias'
    canonical = info['name']
    install, has = install_section(info['fragment'])
    if not has or not (install['WantedBy'] or install['RequiredBy'] or install['Alias'] or install['Also']):
        return 'static'
    for target in install['WantedBy']:
        if os.path.lexists(os.path.join(ETC, target + '.wants', canonical)):
            return 'enabled'
    for target in install['RequiredBy']:
        if os.path.lexists(os.path.join(ETC, target + '.requires', canonical)):
            return 'enabled'
    return 'disabled'


def enabled_in(target):
    """Unit names pulled in by TARGET's .wants/.requires in /etc (what boot starts)."""
    out = []
    for suffix in ('.wants', '.requires'):
        d = os.path.join(ETC, target + suffix)
        if os.path.isdir(d):
            out += sorted(os.listdir(d))
    return out


def all_unit_files():
    """-> {name: dir} for every unit file on the search path (first one wins)."""
    out = {}
    for d in search_dirs():
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            if n.endswith(UNIT_TYPES) and n not in out:
                out[n] = d
    return out
