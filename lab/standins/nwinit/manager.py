"""A small systemd: unit state machine, restart policy, start limits, notify socket, reaping."""

import collections
import os
import shutil
import signal
import socket
import struct
import threading
import time
import uuid

from . import units as U
from .timeutil import now_pair

CLD_EXITED, CLD_KILLED, CLD_DUMPED = 1, 2, 3
_SPAWN_SIGDEF = {s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP) and s < 32}
_CLEAN_SIGNALS = {signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE}
_EXIT_NAMES = {0: 'SUCCESS', 1: 'FAILURE', 2: 'INVALIDARGUMENT', 3: 'NOTIMPLEMENTED', 4: 'NOPERMISSION',
               5: 'NOTINSTALLED', 6: 'NOTCONFIGURED', 7: 'NOTRUNNING', 200: 'CHDIR', 203: 'EXEC',
               209: 'STDOUT', 226: 'NAMESPACE', 255: 'EXCEPTION'}


def exit_name(code, status):
    if code == CLD_EXITED:
        return f'{status}/{_EXIT_NAMES.get(status, str(status))}'
    try:
        return f'{status}/{signal.Signals(status).name[3:]}'
    except ValueError:
        return str(status)


def code_name(code):
    return {CLD_EXITED: 'exited', CLD_KILLED: 'killed', CLD_DUMPED: 'dumped'}.get(code, '(null)')


def decode_status(status):
    if os.WIFEXITED(status):
        return CLD_EXITED, os.WEXITSTATUS(status)
    sig = os.WTERMSIG(status)
    return (CLD_DUMPED if os.WCOREDUMP(status) else CLD_KILLED), sig


class JobFailed(Exception):
    pass


class Unit:
    def __init__(self, cfg):
        self.cfg = cfg
        self.name = cfg.name
        self.active = 'inactive'
        self.sub = 'dead'
        self.main_pid = None
        self.sids = set()
        self.n_restarts = 0
        self.exec_main = (0, 0, 0)  # pid, code, status
        self.result = 'success'
        self.ts = collections.defaultdict(lambda: (0, 0))
        self.start_times = collections.deque()
        self.restart_token = 0
        self.stopping = False
        self.ready = False
        self.waiting_oneshot = False
        self.job_lock = threading.Lock()
        self.invocation = ''
        self.control_pid = None
        self.load_error = None

    def set_state(self, active, sub):
        old = self.active
        now = now_pair()
        up = ('active', 'reloading')
        down = ('inactive', 'failed')
        if active in up and old not in up:
            self.ts['ActiveEnter'] = now
        if old in up and active not in up:
            self.ts['ActiveExit'] = now
        if active in down and old not in down:
            self.ts['InactiveEnter'] = now
        if old in down and active not in down:
            self.ts['InactiveExit'] = now
        if (active, sub) != (old, self.sub):
            self.ts['StateChange'] = now
        self.active, self.sub = active, sub


class Manager:
    def __init__(self, journal, base_env):
        self.L = threading.RLock()
        self.cv = threading.Condition(self.L)
        self.units = {}
        self.pid_main = {}
        self.control = set()
        self.exited = {}
        self.journal = journal
        self.base_env = base_env
        self.shutting_down = False

    # ---- lookup -------------------------------------------------------------------------------
    def get(self, name):
        """-> (Unit | None, resolve-info); loads unit files on first use like systemd does."""
        name = U.normalize(name)
        with self.L:
            info = U.resolve(name)
            if not info['found']:
                return self.units.get(name), info
            if info['masked']:
                return self.units.get(name), info
            u = self.units.get(info['name'])
            if u is None:
                cfg, info = U.load(name)
                u = Unit(cfg)
                self.units[cfg.name] = u
            return u, info

    def daemon_reload(self):
        with self.L:
            for name, u in list(self.units.items()):
                try:
                    cfg, info = U.load(name)
                except Exception as e:  # keep the old config, like a unit with a bad file would
                    u.load_error = str(e)
                    continue
                if cfg is not None:
                    cfg.aliases = sorted(set(cfg.aliases) | set(u.cfg.aliases))
                    u.cfg = cfg
            self.journal.write('systemd', 1, None, 'Reloading.')

    # ---- processes ----------------------------------------------------------------------------
    def reap_forever(self):
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                time.sleep(0.1)
                continue
            except InterruptedError:
                continue
            with self.L:
                self._on_exit(pid, status)

    def _spawn(self, u, cmd, env, main):
        path, argv = cmd.argv(env)
        if not path.startswith('/'):
            for d in env.get('PATH', '').split(':'):
                if os.access(os.path.join(d, path), os.X_OK):
                    path = os.path.join(d, path)
                    break
        r, w = os.pipe()
        try:
            pid = os.posix_spawn(path, argv, env, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, '/dev/null', os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, w, 1),
                (os.POSIX_SPAWN_DUP2, w, 2),
            ], setsid=True, setsigdef=_SPAWN_SIGDEF, setsigmask=set())
        except OSError:
            os.close(r)
            raise
        finally:
            os.close(w)
        u.sids.add(pid)
        ident = os.path.basename(path)
        threading.Thread(target=self._pump, args=(r, u.name, ident, pid), daemon=True).start()
        return pid

    def _pump(self, fd, unit, ident, pid):
        with open(fd, 'rb') as f:
            for raw in f:
                self.journal.write(ident, pid, unit, raw.decode('utf-8', 'replace').rstrip('\n'))

    def _unit_pids(self, u):
        """Processes of a unit: its sessions and the main process' descendants (no cgroups here)."""
        table = {}
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open(f'/proc/{entry}/stat') as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rindex(')') + 2:].split()
            table[int(entry)] = (int(fields[1]), int(fields[3]), fields[0])
        members = {p for p, (_, sid, st) in table.items() if sid in u.sids and st != 'Z'}
        if u.main_pid:
            members.add(u.main_pid)
        changed = True
        while changed:
            changed = False
            for p, (ppid, _, st) in table.items():
                if ppid in members and p not in members and st != 'Z':
                    members.add(p)
                    changed = True
        members.discard(1)
        return sorted(members)

    def _on_exit(self, pid, status):
        if pid in self.control:
            self.control.discard(pid)
            self.exited[pid] = status
            self.cv.notify_all()
            return
        u = self.pid_main.pop(pid, None)
        if u is None or u.main_pid != pid:
            return
        code, st = decode_status(status)
        u.main_pid = None
        u.exec_main = (pid, code, st)
        self.cv.notify_all()
        if u.stopping or u.waiting_oneshot or self.shutting_down:
            return
        self._main_died(u, code, st)

    def _main_died(self, u, code, st):
        clean = (code == CLD_EXITED and st == 0) or (code != CLD_EXITED and st in _CLEAN_SIGNALS)
        self._unit_log(u, f'{u.name}: Main process exited, code={code_name(code)}, status={exit_name(code, st)}')
        if u.cfg.kill_mode in ('control-group', 'mixed'):
            for p in self._unit_pids(u):
                _kill(p, signal.SIGTERM)
        self._after_exit(u, clean, code, st, 'exit-code' if code == CLD_EXITED else 'signal')

    def _after_exit(self, u, clean, code, st, result):
        if clean:
            self._unit_log(u, f'{u.name}: Deactivated successfully.')
        else:
            u.result = result
            self._unit_log(u, f"{u.name}: Failed with result '{result}'.")
        if self._should_restart(u, clean, code, st):
            u.set_state('activating', 'auto-restart')
            u.restart_token += 1
            token = u.restart_token
            t = threading.Timer(u.cfg.restart_sec / 1e6, self._auto_restart, args=(u, token))
            t.daemon = True
            t.start()
        else:
            if clean:
                u.set_state('inactive', 'dead')
            else:
                u.set_state('failed', 'failed')
            self._remove_runtime_dirs(u)

    def _should_restart(self, u, clean, code, st):
        if self.shutting_down:
            return False
        if code == CLD_EXITED and st in u.cfg.restart_prevent:
            return False
        policy = u.cfg.restart
        if policy == 'always':
            return True
        if policy == 'on-success':
            return clean
        if policy == 'on-failure':
            return not clean
        if policy in ('on-abnormal', 'on-abort'):
            return code != CLD_EXITED and not clean
        return False

    def _auto_restart(self, u, token):
        with u.job_lock:
            with self.L:
                if u.restart_token != token or u.sub != 'auto-restart':
                    return
                u.n_restarts += 1
                self._unit_log(u, f'{u.name}: Scheduled restart job, restart counter is at {u.n_restarts}.')
                self._unit_log(u, f'Stopped {u.name} - {u.cfg.description}.')
            try:
                self._start(u, manual=False)
            except JobFailed:
                pass

    def _remove_runtime_dirs(self, u):
        for d in u.cfg.runtime_dirs:
            shutil.rmtree(os.path.join('/run', d), ignore_errors=True)

    def _unit_log(self, u, message):
        self.journal.unit(u.name, message)

    def _env(self, u, extra=None):
        env = dict(self.base_env)
        env['INVOCATION_ID'] = u.invocation
        for assignment in u.cfg.environment:
            k, v = assignment.split('=', 1)
            env[k] = v
        for path, optional in u.cfg.environment_files:
            try:
                env.update(U.read_env_file(path))
            except OSError as e:
                if not optional:
                    self._unit_log(u, f'{u.name}: Failed to load environment files: {os.strerror(e.errno or 2)}')
                    raise JobFailed('resources')
        if u.cfg.type == 'notify':
            env['NOTIFY_SOCKET'] = '/run/systemd/notify'
        if u.cfg.runtime_dirs:
            env['RUNTIME_DIRECTORY'] = ':'.join('/run/' + d for d in u.cfg.runtime_dirs)
        if extra:
            env.update(extra)
        return env

    def _run_control(self, u, cmd, env, timeout_us):
        """Runs ExecStartPre/ExecReload; lock held by caller. -> (code, status)."""
        try:
            pid = self._spawn(u, cmd, env, main=False)
        except OSError as e:
            self._unit_log(u, f'{u.name}: Failed at step EXEC spawning {cmd.path}: {e.strerror}')
            return CLD_EXITED, 203
        self.control.add(pid)
        u.control_pid = pid
        timeout = None if timeout_us is None else timeout_us / 1e6
        if not self.cv.wait_for(lambda: pid in self.exited, timeout):
            _kill(pid, signal.SIGKILL)
            self.cv.wait_for(lambda: pid in self.exited, 5)
        u.control_pid = None
        status = self.exited.pop(pid, 9)
        return decode_status(status)

    # ---- jobs (caller holds u.job_lock) ------------------------------------------------------
    def _start(self, u, manual):
        cfg = u.cfg
        with self.L:
            if u.active in ('active', 'reloading'):
                return
            if u.sub == 'auto-restart':
                u.restart_token += 1
            if manual:
                u.n_restarts = 0
            now = time.monotonic()
            if cfg.start_limit_interval and cfg.start_limit_burst:
                while u.start_times and now - u.start_times[0] > cfg.start_limit_interval / 1e6:
                    u.start_times.popleft()
                if len(u.start_times) >= cfg.start_limit_burst:
                    self._unit_log(u, f'{u.name}: Start request repeated too quickly.')
                    self._unit_log(u, f"{u.name}: Failed with result 'start-limit-hit'.")
                    self._unit_log(u, f'Failed to start {u.name} - {cfg.description}.')
                    u.result = 'start-limit-hit'
                    u.set_state('failed', 'failed')
                    raise JobFailed('start-limit-hit')
                u.start_times.append(now)
            met, cond = cfg.conditions_met()
            if not met:
                self._unit_log(u, f'{cfg.description} was skipped because of an unmet condition check ({cond}).')
                return
            u.result = 'success'
            u.invocation = uuid.uuid4().hex
            u.sids = set()
            u.ready = False
            u.set_state('activating', 'start-pre' if cfg.exec['ExecStartPre'] else 'start')
            self._unit_log(u, f'Starting {u.name} - {cfg.description}...')
            try:
                env = self._env(u)
            except JobFailed:
                u.result = 'resources'
                self._after_exit(u, False, CLD_EXITED, 0, 'resources')
                self._unit_log(u, f'Failed to start {u.name} - {cfg.description}.')
                raise
            for d in cfg.runtime_dirs:
                path = os.path.join('/run', d)
                os.makedirs(path, exist_ok=True)
                os.chmod(path, cfg.runtime_mode)
            for cmd in cfg.exec['ExecStartPre']:
                code, st = self._run_control(u, cmd, env, cfg.timeout_start)
                if (code, st) != (CLD_EXITED, 0) and not cmd.ignore_failure:
                    self._unit_log(u, f'{u.name}: Control process exited, code={code_name(code)}, status={exit_name(code, st)}')
                    self._after_exit(u, False, code, st, 'exit-code')
                    self._unit_log(u, f'Failed to start {u.name} - {cfg.description}.')
                    raise JobFailed('control')
            if not cfg.exec['ExecStart']:
                self._unit_log(u, f'{u.name}: Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.')
                u.set_state('failed', 'failed')
                raise JobFailed('bad-setting')
            u.set_state('activating', 'start')
            main_cmd = cfg.exec['ExecStart'][0]
            try:
                pid = self._spawn(u, main_cmd, env, main=True)
            except OSError as e:
                self._unit_log(u, f'{u.name}: Failed to locate executable {main_cmd.path}: {e.strerror}')
                self._unit_log(u, f'{u.name}: Failed at step EXEC spawning {main_cmd.path}: {e.strerror}')
                self._unit_log(u, f'{u.name}: Main process exited, code=exited, status=203/EXEC')
                u.exec_main = (0, CLD_EXITED, 203)
                self._after_exit(u, False, CLD_EXITED, 203, 'exit-code')
                if cfg.type in ('simple', 'idle'):
                    return
                raise JobFailed('exec')
            u.main_pid = pid
            u.exec_main = (pid, 0, 0)
            self.pid_main[pid] = u
            if cfg.type == 'oneshot':
                u.waiting_oneshot = True
                self.cv.wait_for(lambda: u.main_pid is None, None if cfg.timeout_start is None else cfg.timeout_start / 1e6)
                u.waiting_oneshot = False
                _, code, st = u.exec_main
                if (code, st) == (CLD_EXITED, 0):
                    u.set_state('active', 'exited') if cfg.remain_after_exit else u.set_state('inactive', 'dead')
                    self._unit_log(u, f'Finished {u.name} - {cfg.description}.')
                    return
                self._unit_log(u, f'{u.name}: Main process exited, code={code_name(code)}, status={exit_name(code, st)}')
                self._after_exit(u, False, code, st, 'exit-code')
                self._unit_log(u, f'Failed to start {u.name} - {cfg.description}.')
                raise JobFailed('exit-code')
            if cfg.type != 'notify':
                u.set_state('active', 'running')
                self._unit_log(u, f'Started {u.name} - {cfg.description}.')
                return
            timeout = None if cfg.timeout_start is None else cfg.timeout_start / 1e6
            self.cv.wait_for(lambda: u.ready or u.main_pid != pid, timeout)
            if u.main_pid == pid and u.ready:
                return
            if u.main_pid == pid:
                self._unit_log(u, f'{u.name}: start operation timed out. Terminating.')
                u.stopping = True
                _kill(pid, signal.SIGTERM)
                self.cv.wait_for(lambda: u.main_pid != pid, 5)
                _kill(pid, signal.SIGKILL)
                self.cv.wait_for(lambda: u.main_pid != pid, 5)
                u.stopping = False
                self._after_exit(u, False, CLD_KILLED, signal.SIGTERM, 'timeout')
                self._unit_log(u, f'Failed to start {u.name} - {cfg.description}.')
                raise JobFailed('timeout')
            self._unit_log(u, f'Failed to start {u.name} - {cfg.description}.')
            raise JobFailed('exit-code')

    def _stop(self, u):
        cfg = u.cfg
        with self.L:
            if u.sub == 'auto-restart':
                u.restart_token += 1
                u.set_state('failed' if u.result != 'success' else 'inactive', 'failed' if u.result != 'success' else 'dead')
                self._remove_runtime_dirs(u)
                return
            if u.active in ('inactive', 'failed'):
                return
            self._unit_log(u, f'Stopping {u.name} - {cfg.description}...')
            u.stopping = True
            u.set_state('deactivating', 'stop-sigterm')
            main = u.main_pid
            targets = self._unit_pids(u) if cfg.kill_mode in ('control-group',) else ([main] if main else [])
            for p in targets:
                _kill(p, cfg.kill_signal)
                _kill(p, signal.SIGCONT)
            timeout = None if cfg.timeout_stop is None else cfg.timeout_stop / 1e6
            if main and not self.cv.wait_for(lambda: u.main_pid is None, timeout):
                self._unit_log(u, f"{u.name}: State 'stop-sigterm' timed out. Killing.")
                u.set_state('deactivating', 'stop-sigkill')
                _kill(main, signal.SIGKILL)
                self.cv.wait_for(lambda: u.main_pid is None, 10)
            if cfg.kill_mode == 'control-group':
                deadline = time.monotonic() + 2
                while self._unit_pids(u) and time.monotonic() < deadline:
                    self.cv.wait(0.05)
                for p in self._unit_pids(u):
                    _kill(p, signal.SIGKILL)
            elif cfg.kill_mode == 'process':
                left = [p for p in self._unit_pids(u) if p != main]
                if left:
                    self._unit_log(u, f'{u.name}: Unit process {left[0]} ({_comm(left[0])}) remains running after unit stopped.')
            u.stopping = False
            u.result = 'success'
            u.set_state('inactive', 'dead')
            self._remove_runtime_dirs(u)
            self._unit_log(u, f'{u.name}: Deactivated successfully.')
            self._unit_log(u, f'Stopped {u.name} - {cfg.description}.')

    def _reload(self, u):
        cfg = u.cfg
        with self.L:
            if u.active != 'active':
                raise JobFailed('inactive')
            if not cfg.exec['ExecReload']:
                raise JobFailed('not-applicable')
            self._unit_log(u, f'Reloading {u.name} - {cfg.description}...')
            u.set_state('reloading', 'reload')
            env = self._env(u, {'MAINPID': str(u.main_pid or '')})
            for cmd in cfg.exec['ExecReload']:
                code, st = self._run_control(u, cmd, env, cfg.timeout_start)
                if (code, st) != (CLD_EXITED, 0) and not cmd.ignore_failure:
                    self._unit_log(u, f'{u.name}: Control process exited, code={code_name(code)}, status={exit_name(code, st)}')
                    self._unit_log(u, f'Reload failed for {u.name} - {cfg.description}.')
                    if u.active == 'reloading':
                        u.set_state('active', 'running')
                    raise JobFailed('reload')
            if u.active == 'reloading':
                u.set_state('active', 'running')
            self._unit_log(u, f'Reloaded {u.name} - {cfg.description}.')

    # ---- public job API -----------------------------------------------------------------------
    def job(self, u, kind):
        """kind: start|stop|restart|reload|try-restart. Raises JobFailed(reason)."""
        with u.job_lock:
            if kind == 'start':
                self._start(u, manual=True)
            elif kind == 'stop':
                self._stop(u)
            elif kind == 'restart':
                self._stop(u)
                self._start(u, manual=True)
            elif kind == 'try-restart':
                if u.active in ('active', 'reloading', 'activating'):
                    self._stop(u)
                    self._start(u, manual=True)
            elif kind == 'reload':
                self._reload(u)

    def kill_unit(self, u, sig, whom):
        with self.L:
            pids = self._unit_pids(u) if whom == 'all' else ([u.main_pid] if u.main_pid else [])
            for p in pids:
                _kill(p, sig)
            return pids

    def reset_failed(self, u):
        with self.L:
            u.start_times.clear()
            if u.active == 'failed':
                u.result = 'success'
                u.set_state('inactive', 'dead')

    # ---- notify socket ------------------------------------------------------------------------
    def start_notify_socket(self, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        os.chmod(path, 0o777)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        threading.Thread(target=self._notify_loop, args=(s,), daemon=True, name='notify').start()

    def _notify_loop(self, s):
        while True:
            msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
            pid = None
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack('iII', data[:12])[0]
            fields = dict(line.split('=', 1) for line in msg.decode(errors='replace').split('\n') if '=' in line)
            with self.L:
                u = self.pid_main.get(pid)
                if u is None:
                    continue
                if fields.get('READY') == '1':
                    u.ready = True
                    if u.active == 'activating' and u.sub == 'start':
                        u.set_state('active', 'running')
                        self._unit_log(u, f'Started {u.name} - {u.cfg.description}.')
                if fields.get('MAINPID', '').isdigit():
                    new = int(fields['MAINPID'])
                    self.pid_main.pop(u.main_pid, None)
                    u.main_pid = new
                    self.pid_main[new] = u
                self.cv.notify_all()

    # ---- boot and shutdown --------------------------------------------------------------------
    def boot_enabled_units(self):
        names = [n for n in U.enabled_in('multi-user.target') if n.endswith('.service')]
        loaded = []
        for n in names:
            u, info = self.get(n)
            if u is not None and not info['masked']:
                loaded.append(u)
        order = []
        pending = list(loaded)
        while pending:
            for u in pending:
                if not any(v is not u and v.name in u.cfg.after and v in pending for v in loaded):
                    order.append(u)
                    pending.remove(u)
                    break
            else:
                order += pending
                break
        for u in order:
            try:
                self.job(u, 'start')
            except JobFailed:
                pass

    def shutdown(self):
        with self.L:
            self.shutting_down = True
            for u in self.units.values():
                u.restart_token += 1
        _kill(-1, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and _others_alive():
            time.sleep(0.05)
        _kill(-1, signal.SIGKILL)


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _comm(pid):
    try:
        with open(f'/proc/{pid}/comm') as f:
            return f.read().strip()
    except OSError:
        return '?'


def _others_alive():
    for entry in os.listdir('/proc'):
        if entry.isdigit() and entry != '1':
            try:
                with open(f'/proc/{entry}/stat') as f:
                    if f.read().rsplit(')', 1)[1].split()[0] != 'Z':
                        return True
            except OSError:
                pass
    return False
