"""systemctl and journalctl verbs, with systemd 252's messages, formats and exit codes."""

import json
import os
import signal
import socket
import threading
import time

from . import audit
from . import units as U
from .manager import JobFailed, code_name, exit_name
from .timeutil import format_ago, format_timespan, format_timestamp, parse_time_spec


class Out:
    def __init__(self):
        self.out = []
        self.err = []

    def o(self, line=''):
        self.out.append(line + '\n')

    def e(self, line):
        self.err.append(line + '\n')

    def result(self, code):
        return code, ''.join(self.out), ''.join(self.err)


def dispatch(mgr, tool, argv, uid, groups, cwd=None):
    if tool == 'journalctl':
        return journalctl(mgr, argv, uid, groups)
    if tool == 'auditctl':
        return audit.auditctl(argv, uid, cwd)
    return systemctl(mgr, argv, uid)


# ---- systemctl ---------------------------------------------------------------------------------
_ARG_LONG = {'property', 'type', 'state', 'lines', 'signal', 'kill-whom', 'kill-who', 'output', 'job-mode', 'root', 'host', 'machine'}
_ARG_SHORT = {'p': 'property', 't': 'type', 'n': 'lines', 's': 'signal', 'o': 'output', 'H': 'host', 'M': 'machine'}
_FLAG_SHORT = {'a': 'all', 'q': 'quiet', 'l': 'full', 'f': 'force', 'r': 'recursive', 'i': 'ignore-inhibitors', 'P': 'value'}
_ENABLED_OK = {'enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated', 'transient'}
_MUTATING = {'start', 'stop', 'restart', 'reload', 'try-restart', 'reload-or-restart', 'try-reload-or-restart',
             'enable', 'disable', 'mask', 'unmask', 'daemon-reload', 'daemon-reexec', 'reset-failed', 'kill'}


def parse_args(argv):
    opts = {'property': [], 'type': [], 'state': []}
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == '--':
            pos += argv[i + 1:]
            break
        if a.startswith('--'):
            name, eq, val = a[2:].partition('=')
            if name in _ARG_LONG:
                if not eq:
                    i += 1
                    val = argv[i] if i < len(argv) else ''
                _set(opts, name, val)
            else:
                opts[name] = True
        elif a.startswith('-') and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                if c in _ARG_SHORT:
                    val = a[j + 1:]
                    if not val:
                        i += 1
                        val = argv[i] if i < len(argv) else ''
                    _set(opts, _ARG_SHORT[c], val)
                    break
                opts[_FLAG_SHORT.get(c, c)] = True
                j += 1
        else:
            pos.append(a)
        i += 1
    return opts, pos


def _set(opts, name, val):
    if name in ('property', 'type', 'state'):
        opts[name] += [v for v in val.split(',') if v]
    else:
        opts[name] = val


def systemctl(mgr, argv, uid):
    opts, pos = parse_args(argv)
    out = Out()
    if opts.get('version'):
        out.o('systemd 252 (252.38-1~deb12u1)')
        out.o('+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL '
              '+ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE '
              '+TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified')
        return out.result(0)
    verb = pos[0] if pos else 'list-units'
    names = [U.normalize(n) for n in pos[1:]]
    if verb in _MUTATING and uid != 0:
        shown = names[0] if names else ''
        out.e(f'Failed to {verb} {shown}: Interactive authentication required.'.replace('  ', ' '))
        out.e(f"See system logs and 'systemctl status {shown}' for details.")
        return out.result(1)
    handler = _VERBS.get(verb)
    if handler is None:
        out.e(f'Unknown command verb {verb}.')
        return out.result(1)
    if verb not in ('list-units', 'list-unit-files', 'daemon-reload', 'daemon-reexec', 'show', 'is-system-running',
                    'show-environment', 'reset-failed') and not names:
        out.e(f'Too few arguments.')
        return out.result(1)
    code = handler(mgr, names, opts, out)
    return out.result(code)


def _warn_changed(u, out):
    if u is not None and u.cfg.changed_on_disk():
        out.e(f"Warning: The unit file, source configuration file or drop-ins of {u.name} changed on disk. "
              f"Run 'systemctl daemon-reload' to reload units.")


def _active_state(u):
    return (u.active if u else 'inactive')


def v_is_active(mgr, names, opts, out):
    ok = False
    for n in names:
        u, _ = mgr.get(n)
        st = _active_state(u)
        ok = ok or st == 'active' or st == 'reloading'
        if not opts.get('quiet'):
            out.o(st)
    return 0 if ok else 3


def v_is_failed(mgr, names, opts, out):
    ok = False
    for n in names:
        u, _ = mgr.get(n)
        st = _active_state(u)
        ok = ok or st == 'failed'
        if not opts.get('quiet'):
            out.o(st)
    return 0 if ok else 1


def v_is_enabled(mgr, names, opts, out):
    ok = False
    code = 0
    for n in names:
        st = U.unit_file_state(n)
        if st is None:
            out.e(f'Failed to get unit file state for {n}: No such file or directory')
            code = 1
            continue
        ok = ok or st in _ENABLED_OK
        if not opts.get('quiet'):
            out.o(st)
    if code:
        return code
    return 0 if ok else 1


_JOB_MSG = {
    'control': 'failed because the control process exited with error code.',
    'exit-code': 'failed because the control process exited with error code.',
    'exec': 'failed because of unavailable resources or another system error.',
    'resources': 'failed because of unavailable resources or another system error.',
    'timeout': 'failed because a timeout was exceeded.',
    'start-limit-hit': 'failed because start of the service was attempted too often.',
    'bad-setting': 'failed because the service did not take the steps required by its unit configuration.',
    'reload': 'failed because the control process exited with error code.',
}


def _job(mgr, verb, names, opts, out):
    code = 0
    kind = {'reload-or-restart': 'restart', 'try-reload-or-restart': 'try-restart'}.get(verb, verb)
    for n in names:
        u, info = mgr.get(n)
        if info['masked'] and kind in ('start', 'restart', 'reload'):
            out.e(f'Failed to {verb} {n}: Unit {n} is masked.')
            code = 1
            continue
        if u is None:
            if kind == 'try-restart':
                continue
            how = 'not loaded' if kind == 'stop' else 'not found'
            out.e(f'Failed to {verb} {n}: Unit {n} {how}.')
            code = 5
            continue
        _warn_changed(u, out)
        if kind == 'reload' and u.active != 'active':
            out.e(f'Job for {u.name} canceled.' if u.active == 'activating' else f'{u.name} is not active, cannot reload.')
            code = 1
            continue
        if kind == 'reload' and not u.cfg.exec['ExecReload']:
            out.e(f'Failed to reload {u.name}: Job type reload is not applicable for unit {u.name}.')
            code = 1
            continue
        if opts.get('no-block'):
            threading.Thread(target=_quiet_job, args=(mgr, u, kind), daemon=True).start()
            continue
        try:
            mgr.job(u, kind)
        except JobFailed as e:
            reason = str(e)
            out.e(f'Job for {u.name} {_JOB_MSG.get(reason, "failed.")}')
            out.e(f'See "systemctl status {u.name}" and "journalctl -xeu {u.name}" for details.')
            if reason == 'start-limit-hit':
                out.e(f'To force a start use "systemctl reset-failed {u.name}"')
                out.e(f'followed by "systemctl start {u.name}" again.')
            code = 1
    return code


def _quiet_job(mgr, u, kind):
    try:
        mgr.job(u, kind)
    except JobFailed:
        pass


def _install_links(name, fragment):
    install, has = U.install_section(fragment)
    links = []
    for t in install['WantedBy']:
        links.append((os.path.join(U.ETC, t + '.wants', name), fragment))
    for t in install['RequiredBy']:
        links.append((os.path.join(U.ETC, t + '.requires', name), fragment))
    for a in install['Alias']:
        links.append((os.path.join(U.ETC, a), fragment))
    return links, has


def v_enable(mgr, names, opts, out):
    for n in names:
        info = U.resolve(n)
        if not info['found']:
            out.e(f'Failed to enable unit: Unit file {n} does not exist.')
            return 1
        if info['masked']:
            out.e(f'Failed to enable unit: Unit file {U.ETC}/{n} is masked.')
            return 1
        links, has = _install_links(info['name'], info['fragment'])
        if not links:
            out.e('The unit files have no installation config (WantedBy=, RequiredBy=, Also=,')
            out.e('Alias= settings in the [Install] section, and DefaultInstance= for template')
            out.e('units). This means they are not meant to be enabled or disabled using systemctl.')
            continue
        for link, target in links:
            if os.path.lexists(link):
                continue
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(target, link)
            out.e(f'Created symlink {link} → {target}.')
    mgr.daemon_reload()
    if opts.get('now'):
        return _job(mgr, 'start', names, opts, out)
    return 0


def v_disable(mgr, names, opts, out):
    for n in names:
        info = U.resolve(n)
        if not info['found']:
            out.e(f'Failed to disable unit: Unit file {n} does not exist.')
            return 1
        if info['masked']:
            continue
        canonical = info['name']
        install, _ = U.install_section(info['fragment'])
        candidates = [os.path.join(U.ETC, a) for a in install['Alias']]
        for d in os.listdir(U.ETC) if os.path.isdir(U.ETC) else []:
            if d.endswith(('.wants', '.requires')):
                candidates.append(os.path.join(U.ETC, d, canonical))
        for link in candidates:
            if os.path.islink(link):
                os.unlink(link)
                out.e(f'Removed "{link}".')
    mgr.daemon_reload()
    if opts.get('now'):
        return _job(mgr, 'stop', names, opts, out)
    return 0


def v_mask(mgr, names, opts, out):
    for n in names:
        link = os.path.join(U.ETC, n)
        if os.path.lexists(link):
            if os.path.islink(link) and os.readlink(link) == '/dev/null':
                continue
            if not os.path.islink(link):
                out.e(f'Failed to mask unit: File {link} already exists.')
                return 1
            os.unlink(link)
        os.symlink('/dev/null', link)
        out.e(f'Created symlink {link} → /dev/null.')
    mgr.daemon_reload()
    if opts.get('now'):
        return _job(mgr, 'stop', names, opts, out)
    return 0


def v_unmask(mgr, names, opts, out):
    for n in names:
        link = os.path.join(U.ETC, n)
        if os.path.islink(link) and os.readlink(link) == '/dev/null':
            os.unlink(link)
            out.e(f'Removed "{link}".')
    mgr.daemon_reload()
    if opts.get('now'):
        return _job(mgr, 'start', names, opts, out)
    return 0


def v_daemon_reload(mgr, names, opts, out):
    mgr.daemon_reload()
    return 0


def v_reset_failed(mgr, names, opts, out):
    targets = [mgr.get(n)[0] for n in names] if names else list(mgr.units.values())
    for u in targets:
        if u is not None:
            mgr.reset_failed(u)
    return 0


def v_kill(mgr, names, opts, out):
    sig = opts.get('signal', 'SIGTERM')
    signum = int(sig) if str(sig).isdigit() else int(getattr(signal, sig if sig.startswith('SIG') else 'SIG' + sig))
    whom = opts.get('kill-whom') or opts.get('kill-who') or 'all'
    for n in names:
        u, _ = mgr.get(n)
        if u is None:
            out.e(f'Failed to kill unit {n}: Unit {n} not loaded.')
            return 5
        mgr.kill_unit(u, signum, whom)
    return 0


def properties(mgr, name, u, info):
    st = U.unit_file_state(name) or ''
    load = 'masked' if info['masked'] else ('loaded' if u is not None else 'not-found')
    cfg = u.cfg if u else None
    p = {}
    p['Type'] = cfg.type if cfg else 'simple'
    p['Restart'] = cfg.restart if cfg else 'no'
    p['RestartUSec'] = format_timespan(cfg.restart_sec) if cfg else '100ms'
    p['MainPID'] = str(u.main_pid or 0) if u else '0'
    p['ControlPID'] = str(u.control_pid or 0) if u else '0'
    p['NRestarts'] = str(u.n_restarts if u else 0)
    emain = u.exec_main if u else (0, 0, 0)
    p['ExecMainPID'] = str(emain[0])
    p['ExecMainCode'] = str(emain[1])
    p['ExecMainStatus'] = str(emain[2])
    p['Result'] = u.result if u else 'success'
    for key in ('ExecStartPre', 'ExecStart', 'ExecReload'):
        if cfg and cfg.exec[key]:
            p[key] = [c.show() for c in cfg.exec[key]]
    p['Environment'] = ' '.join(f'"{a}"' if ' ' in a else a for a in cfg.environment) if cfg else ''
    if cfg and cfg.environment_files:
        p['EnvironmentFiles'] = [f'{path} (ignore_errors={"yes" if opt else "no"})' for path, opt in cfg.environment_files]
    p['KillMode'] = cfg.kill_mode if cfg else 'control-group'
    p['IPAddressDeny'] = ' '.join(cfg.ip_address_deny) if cfg else ''
    p['Id'] = u.name if u else name
    p['Names'] = ' '.join([u.name] + [a for a in cfg.aliases if a != u.name]) if u else name
    p['Description'] = cfg.description if cfg else name
    p['LoadState'] = load
    p['ActiveState'] = u.active if u else 'inactive'
    p['SubState'] = u.sub if u else 'dead'
    p['FragmentPath'] = (cfg.fragment if cfg else '')
    p['DropInPaths'] = ' '.join(cfg.dropins) if cfg else ''
    p['UnitFileState'] = st
    p['UnitFilePreset'] = 'enabled' if st in ('enabled', 'disabled') else ''
    for key in ('StateChange', 'InactiveExit', 'ActiveEnter', 'ActiveExit', 'InactiveEnter'):
        real, mono = u.ts[key] if u else (0, 0)
        p[key + 'Timestamp'] = format_timestamp(real)
        p[key + 'TimestampMonotonic'] = str(mono)
    p['CanReload'] = 'yes' if cfg and cfg.exec['ExecReload'] else 'no'
    p['InvocationID'] = u.invocation if u else ''
    p['NeedDaemonReload'] = 'yes' if u and u.cfg.changed_on_disk() else 'no'
    return p


def v_show(mgr, names, opts, out):
    wanted = opts['property']
    value_only = opts.get('value')
    if not names:
        p = {'Version': '252.38-1~deb12u1', 'Architecture': 'x86-64', 'SystemState': 'running',
             'DefaultRestartUSec': '100ms', 'DefaultTimeoutStartUSec': '1min 30s'}
        _print_props(out, p, wanted, value_only)
        return 0
    for i, n in enumerate(names):
        if i:
            out.o()
        u, info = mgr.get(n)
        _print_props(out, properties(mgr, n, u, info), wanted, value_only, opts.get('all'))
    return 0


def _print_props(out, p, wanted, value_only, show_all=False):
    keys = wanted if wanted else list(p.keys())
    for k in keys:
        if k not in p:
            continue
        vals = p[k] if isinstance(p[k], list) else [p[k]]
        for v in vals:
            if v == '' and not wanted and not show_all:
                continue
            out.o(v if value_only else f'{k}={v}')


def _comm(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return f.read().replace(b'\0', b' ').decode(errors='replace').strip()
    except OSError:
        return '?'


def _short_comm(pid):
    try:
        with open(f'/proc/{pid}/comm') as f:
            return f.read().strip()
    except OSError:
        return '?'


def v_status(mgr, names, opts, out):
    code = 0
    nlines = int(opts.get('lines', 10) or 10)
    for i, n in enumerate(names):
        u, info = mgr.get(n)
        if u is None and not info['found']:
            out.e(f'Unit {n} could not be found.')
            code = code or 4
            continue
        if i:
            out.o()
        if u is None:
            out.o(f'○ {n}')
            out.o('     Loaded: masked (Reason: Unit {0} is masked.)'.format(n))
            out.o('     Active: inactive (dead)')
            code = code or 3
            continue
        _warn_changed(u, out)
        cfg = u.cfg
        bullet = {'active': '●', 'reloading': '●', 'activating': '●', 'deactivating': '●', 'failed': '×'}.get(u.active, '○')
        out.o(f'{bullet} {u.name} - {cfg.description}')
        fstate = U.unit_file_state(u.name) or 'disabled'
        preset = 'enabled' if fstate in ('enabled', 'disabled') else None
        out.o(f'     Loaded: loaded ({cfg.fragment}; {fstate}' + (f'; preset: {preset})' if preset else ')'))
        if cfg.dropins:
            dirs = {}
            for d in cfg.dropins:
                dirs.setdefault(os.path.dirname(d), []).append(os.path.basename(d))
            first = True
            for d, files in dirs.items():
                out.o(f'    {"Drop-In: " if first else "         "}{d}')
                out.o(f'             └─{", ".join(files)}')
                first = False
        real = u.ts['StateChange'][0]
        state = f'{u.active} ({u.sub})'
        if u.result != 'success' and u.active in ('failed', 'activating'):
            state += f' (Result: {u.result})'
        since = f' since {format_timestamp(real)}; {format_ago(real)}' if real else ''
        out.o(f'     Active: {state}{since}')
        if cfg.documentation:
            out.o(f'       Docs: {cfg.documentation[0]}')
            for d in cfg.documentation[1:]:
                out.o(f'             {d}')
        if u.main_pid:
            out.o(f'   Main PID: {u.main_pid} ({_short_comm(u.main_pid)})')
        elif u.exec_main[0]:
            pid, c, s = u.exec_main
            out.o(f'   Main PID: {pid} (code={code_name(c)}, status={exit_name(c, s)})')
        pids = mgr._unit_pids(u) if u.main_pid else []
        if pids:
            out.o(f'      Tasks: {len(pids)}')
            out.o(f'     CGroup: /system.slice/{u.name}')
            for j, p in enumerate(pids):
                out.o(f'             {"└─" if j == len(pids) - 1 else "├─"}{p} {_comm(p)}')
        entries = mgr.journal.entries(units={u.name})[-nlines:] if nlines else []
        if entries:
            out.o()
            for e in entries:
                out.o(_fmt_short(e, socket.gethostname()))
        if u.active not in ('active', 'reloading'):
            code = code or 3
    return code


def v_cat(mgr, names, opts, out):
    for i, n in enumerate(names):
        info = U.resolve(n)
        if not info['found']:
            out.e(f'No files found for {n}.')
            return 1
        if info['masked']:
            out.e(f'Unit {n} is masked.')
            return 1
        paths = [info['fragment']] + U.find_dropins([info['name']] + ([n] if n != info['name'] else []))
        for j, path in enumerate(paths):
            if i or j:
                out.o()
            out.o(f'# {path}')
            with open(path) as f:
                out.out.append(f.read())
    return 0


def _states_match(u, states):
    return not states or u.active in states or u.sub in states


def v_list_units(mgr, names, opts, out):
    types = opts['type']
    rows = []
    for name in sorted(mgr.units):
        u = mgr.units[name]
        if types and not any(name.endswith('.' + t) for t in types):
            continue
        if not opts.get('all') and not opts['state'] and u.active == 'inactive':
            continue
        if not _states_match(u, opts['state']):
            continue
        rows.append(u)
    legend = not opts.get('no-legend')
    width = max([len(u.name) for u in rows] + [4])
    if legend:
        out.o(f'  {"UNIT".ljust(width)} LOAD   ACTIVE     SUB     DESCRIPTION')
    for u in rows:
        mark = '●' if u.active == 'failed' else ' '
        out.o(f'{mark} {u.name.ljust(width)} loaded {u.active.ljust(10)} {u.sub.ljust(7)} {u.cfg.description}')
    if legend:
        out.o()
        out.o('LOAD   = Reflects whether the unit definition was properly loaded.')
        out.o('ACTIVE = The high-level unit activation state, i.e. generalization of SUB.')
        out.o('SUB    = The low-level unit activation state, values depend on unit type.')
        out.o(f'{len(rows)} loaded units listed. Pass --all to see loaded but inactive units, too.')
        out.o("To show all installed unit files use 'systemctl list-unit-files'.")
    return 0


def v_list_unit_files(mgr, names, opts, out):
    types = opts['type']
    rows = []
    for name in sorted(U.all_unit_files()):
        if types and not any(name.endswith('.' + t) for t in types):
            continue
        if names and not any(_glob(n, name) for n in names):
            continue
        try:
            st = U.unit_file_state(name) or 'bad'
        except OSError:
            st = 'bad'
        if opts['state'] and st not in opts['state']:
            continue
        preset = 'enabled' if st in ('enabled', 'disabled') else '-'
        rows.append((name, st, preset))
    legend = not opts.get('no-legend')
    width = max([len(r[0]) for r in rows] + [9])
    if legend:
        out.o(f'{"UNIT FILE".ljust(width)} {"STATE".ljust(15)} PRESET')
    for name, st, preset in rows:
        out.o(f'{name.ljust(width)} {st.ljust(15)} {preset}')
    if legend:
        out.o()
        out.o(f'{len(rows)} unit files listed.')
    return 0


def _glob(pattern, name):
    import fnmatch
    return fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(name, pattern.removesuffix('.service'))


def v_is_system_running(mgr, names, opts, out):
    failed = any(u.active == 'failed' for u in mgr.units.values())
    if not opts.get('quiet'):
        out.o('degraded' if failed else 'running')
    return 1 if failed else 0


def v_show_environment(mgr, names, opts, out):
    for k in ('LANG', 'PATH'):
        if k in mgr.base_env:
            out.o(f'{k}={mgr.base_env[k]}')
    return 0


_VERBS = {
    'is-active': v_is_active, 'is-failed': v_is_failed, 'is-enabled': v_is_enabled,
    'start': lambda m, n, o, out: _job(m, 'start', n, o, out),
    'stop': lambda m, n, o, out: _job(m, 'stop', n, o, out),
    'restart': lambda m, n, o, out: _job(m, 'restart', n, o, out),
    'reload': lambda m, n, o, out: _job(m, 'reload', n, o, out),
    'try-restart': lambda m, n, o, out: _job(m, 'try-restart', n, o, out),
    'reload-or-restart': lambda m, n, o, out: _job(m, 'reload-or-restart', n, o, out),
    'try-reload-or-restart': lambda m, n, o, out: _job(m, 'try-reload-or-restart', n, o, out),
    'enable': v_enable, 'disable': v_disable, 'mask': v_mask, 'unmask': v_unmask,
    'daemon-reload': v_daemon_reload, 'daemon-reexec': v_daemon_reload, 'reset-failed': v_reset_failed,
    'kill': v_kill, 'show': v_show, 'status': v_status, 'cat': v_cat,
    'list-units': v_list_units, 'list-unit-files': v_list_unit_files,
    'is-system-running': v_is_system_running, 'show-environment': v_show_environment,
}


# ---- journalctl --------------------------------------------------------------------------------
def _fmt_short(e, host, output='short'):
    t = e['t'] / 1e6
    lt = time.localtime(t)
    ident = e.get('i') or 'unknown'
    pid = e.get('p')
    tag = f'{ident}[{pid}]' if pid else ident
    if output == 'cat':
        return e['m']
    if output == 'short-iso':
        stamp = time.strftime('%Y-%m-%dT%H:%M:%S%z', lt)
    elif output == 'short-precise':
        stamp = time.strftime('%b %d %H:%M:%S', lt) + f'.{e["t"] % 1_000_000:06d}'
    elif output == 'short-iso-precise':
        stamp = time.strftime('%Y-%m-%dT%H:%M:%S', lt) + f'.{e["t"] % 1_000_000:06d}' + time.strftime('%z', lt)
    else:
        stamp = time.strftime('%b %d %H:%M:%S', lt)
    if output == 'json':
        return json.dumps({'__REALTIME_TIMESTAMP': str(e['t']), '_HOSTNAME': host, 'SYSLOG_IDENTIFIER': ident,
                           '_PID': str(pid or ''), '_SYSTEMD_UNIT': e.get('u') or '', 'MESSAGE': e['m']})
    return f'{stamp} {host} {tag}: {e["m"]}'


def journalctl(mgr, argv, uid, groups):
    out = Out()
    units, idents = [], []
    lines = None
    since = until = None
    output = 'short'
    reverse = quiet = pager_end = False
    i = 0
    takes = {'u': 'unit', 'n': 'lines', 'S': 'since', 'U': 'until', 'o': 'output', 't': 'identifier',
             'p': 'priority', 'b': 'boot', 'g': 'grep', 'D': 'directory', 'M': 'machine'}
    optional_arg = {'boot', 'lines'}

    def take(name, val):
        nonlocal lines, since, until, output
        if name == 'unit':
            units.append(val)
        elif name == 'lines':
            lines = None if val in ('all', '+all') else int(val.lstrip('+'))
        elif name == 'since':
            since = parse_time_spec(val)
        elif name == 'until':
            until = parse_time_spec(val)
        elif name == 'output':
            output = val
        elif name == 'identifier':
            idents.append(val)

    try:
        while i < len(argv):
            a = argv[i]
            if a.startswith('--'):
                name, eq, val = a[2:].partition('=')
                if name in takes.values():
                    if not eq:
                        if name in optional_arg and (i + 1 >= len(argv) or argv[i + 1].startswith('-') and not argv[i + 1][1:].isdigit()):
                            val = '10' if name == 'lines' else ''
                        else:
                            i += 1
                            val = argv[i] if i < len(argv) else ''
                    take(name, val)
                elif name == 'reverse':
                    reverse = True
                elif name == 'quiet':
                    quiet = True
                elif name == 'pager-end':
                    pager_end = True
            elif a.startswith('-') and len(a) > 1:
                j = 1
                while j < len(a):
                    c = a[j]
                    if c in takes:
                        name = takes[c]
                        val = a[j + 1:]
                        if not val:
                            nxt = argv[i + 1] if i + 1 < len(argv) else None
                            if name in optional_arg and (nxt is None or (nxt.startswith('-') and not nxt[1:].isdigit())):
                                val = '10' if name == 'lines' else ''
                            else:
                                i += 1
                                val = nxt or ''
                        take(name, val)
                        break
                    if c == 'r':
                        reverse = True
                    elif c == 'q':
                        quiet = True
                    elif c == 'e':
                        pager_end = True
                    j += 1
            i += 1
    except ValueError as e:
        out.e(str(e))
        return out.result(1)
    if uid != 0 and not (set(groups) & {'adm', 'systemd-journal', 'root'}):
        if not quiet:
            out.e('Hint: You are currently not seeing messages from other users and the system.')
            out.e("      Users in groups 'adm', 'systemd-journal' can see all messages.")
            out.e('      Pass -q to turn off this notice.')
        out.e('No journal files were opened due to insufficient permissions.')
        return out.result(1)
    unit_names = None
    if units:
        unit_names = set()
        for n in units:
            info = U.resolve(U.normalize(n))
            unit_names.add(info['name'] if info['found'] and not info['masked'] else U.normalize(n))
    entries = mgr.journal.entries(units=unit_names, since_us=since, until_us=until,
                                  identifiers=set(idents) if idents else None)
    if pager_end and lines is None:
        lines = 1000
    if lines is not None:
        entries = entries[-lines:] if lines else []
    if reverse:
        entries.reverse()
    if not entries:
        if not quiet and output != 'json':
            out.o('-- No entries --')
        return out.result(0)
    host = socket.gethostname()
    for e in entries:
        out.o(_fmt_short(e, host, output))
    return out.result(0)
