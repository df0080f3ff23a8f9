"""containerd config.toml: load (v1/v2/v3), merge over defaults, type-check, dump as TOML.

Mirrors containerd's behaviour where the lab needs it: a TOML syntax error or an unsupported
`version` stops the daemon; a wrongly typed CRI key only disables the CRI plugin at runtime but
makes `containerd config dump` fail, because dump decodes every plugin's config.
"""

import copy
import re
import tomllib

CURRENT_VERSION = 3
CRI_V2 = 'io.containerd.grpc.v1.cri'
CRI_RUNTIME_V3 = 'io.containerd.cri.v1.runtime'
CRI_IMAGES_V3 = 'io.containerd.cri.v1.images'

V1_PLUGIN_NAMES = {
    'cri': CRI_V2, 'cgroups': 'io.containerd.monitor.v1.cgroups', 'linux': 'io.containerd.runtime.v1.linux',
    'scheduler': 'io.containerd.gc.v1.scheduler', 'bolt': 'io.containerd.metadata.v1.bolt',
    'task': 'io.containerd.runtime.v2.task', 'opt': 'io.containerd.internal.v1.opt',
    'restart': 'io.containerd.internal.v1.restart', 'overlayfs': 'io.containerd.snapshotter.v1.overlayfs',
}


class CtdError(Exception):
    pass


RUNC_OPTIONS = {
    'BinaryName': '', 'CriuImagePath': '', 'CriuPath': '', 'CriuWorkPath': '', 'IoGid': 0, 'IoUid': 0,
    'NoNewKeyring': False, 'NoPivotRoot': False, 'Root': '', 'ShimCgroup': '', 'SystemdCgroup': False,
}

RUNC_RUNTIME = {
    'base_runtime_spec': '', 'cni_conf_dir': '', 'cni_max_conf_num': 0, 'container_annotations': [],
    'pod_annotations': [], 'privileged_without_host_devices': False,
    'privileged_without_host_devices_all_devices_allowed': False, 'runtime_path': '',
    'runtime_type': 'io.containerd.runc.v2', 'sandbox_mode': 'podsandbox', 'snapshotter': '',
    'options': RUNC_OPTIONS,
}

TOP_DEFAULTS = {
    'disabled_plugins': [], 'imports': [], 'oom_score': 0, 'plugin_dir': '', 'required_plugins': [],
    'root': '/var/lib/containerd', 'state': '/run/containerd', 'temp': '',
    'cgroup': {'path': ''},
    'debug': {'address': '', 'format': '', 'gid': 0, 'level': '', 'uid': 0},
    'grpc': {'address': '/run/containerd/containerd.sock', 'gid': 0, 'max_recv_message_size': 16777216,
             'max_send_message_size': 16777216, 'tcp_address': '', 'tcp_tls_ca': '', 'tcp_tls_cert': '',
             'tcp_tls_key': '', 'uid': 0},
    'metrics': {'address': '', 'grpc_histogram': False},
    'ttrpc': {'address': '', 'gid': 0, 'uid': 0},
    'timeouts': {'io.containerd.timeout.bolt.open': '0s', 'io.containerd.timeout.metrics.shimstats': '2s',
                 'io.containerd.timeout.shim.cleanup': '5s', 'io.containerd.timeout.shim.load': '5s',
                 'io.containerd.timeout.shim.shutdown': '3s', 'io.containerd.timeout.task.state': '2s'},
}

# containerd 1.7 `config default`, CRI plugin (config version 2).
CRI_V2_DEFAULTS = {
    'cdi_spec_dirs': ['/etc/cdi', '/var/run/cdi'], 'device_ownership_from_security_context': False,
    'disable_apparmor': False, 'disable_cgroup': False, 'disable_hugetlb_controller': True,
    'disable_proc_mount': False, 'disable_tcp_service': True, 'drain_exec_sync_io_timeout': '0s',
    'enable_cdi': False, 'enable_selinux': False, 'enable_tls_streaming': False,
    'enable_unprivileged_icmp': False, 'enable_unprivileged_ports': False,
    'ignore_deprecation_warnings': [], 'ignore_image_defined_volumes': False,
    'image_pull_progress_timeout': '5m0s', 'image_pull_with_sync_fs': False, 'max_concurrent_downloads': 3,
    'max_container_log_line_size': 16384, 'netns_mounts_under_state_dir': False,
    'restrict_oom_score_adj': False, 'sandbox_image': 'registry.k8s.io/pause:3.8',
    'selinux_category_range': 1024, 'stats_collect_period': 10, 'stream_idle_timeout': '4h0m0s',
    'stream_server_address': '127.0.0.1', 'stream_server_port': '0', 'systemd_cgroup': False,
    'tolerate_missing_hugetlb_controller': True, 'unset_seccomp_profile': '',
    'cni': {'bin_dir': '/opt/cni/bin', 'conf_dir': '/etc/cni/net.d', 'conf_template': '', 'ip_pref': '',
            'max_conf_num': 1, 'setup_serially': False},
    'containerd': {'default_runtime_name': 'runc', 'disable_snapshot_annotations': True,
                   'discard_unpacked_layers': False, 'ignore_blockio_not_enabled_errors': False,
                   'ignore_rdt_not_enabled_errors': False, 'no_pivot': False, 'snapshotter': 'overlayfs',
                   'runtimes': {'runc': RUNC_RUNTIME}},
    'image_decryption': {'key_model': 'node'},
    'registry': {'config_path': ''},
    'x509_key_pair_streaming': {'tls_cert_file': '', 'tls_key_file': ''},
}

# containerd 2.x `config default` (config version 3): CRI split into runtime, images and server parts.
CRI_RUNTIME_V3_DEFAULTS = {
    'cdi_spec_dirs': ['/etc/cdi', '/var/run/cdi'], 'device_ownership_from_security_context': False,
    'disable_apparmor': False, 'disable_hugetlb_controller': True, 'disable_proc_mount': False,
    'drain_exec_sync_io_timeout': '0s', 'enable_cdi': True, 'enable_selinux': False,
    'enable_unprivileged_icmp': True, 'enable_unprivileged_ports': True, 'ignore_deprecation_warnings': [],
    'ignore_image_defined_volumes': False, 'max_container_log_line_size': 16384,
    'netns_mounts_under_state_dir': False, 'restrict_oom_score_adj': False, 'selinux_category_range': 1024,
    'tolerate_missing_hugetlb_controller': True, 'unset_seccomp_profile': '',
    'cni': {'bin_dir': '', 'bin_dirs': ['/opt/cni/bin'], 'conf_dir': '/etc/cni/net.d', 'conf_template': '',
            'ip_pref': '', 'max_conf_num': 1, 'setup_serially': False, 'use_internal_loopback': False},
    'containerd': {'default_runtime_name': 'runc', 'ignore_blockio_not_enabled_errors': False,
                   'ignore_rdt_not_enabled_errors': False, 'runtimes': {'runc': RUNC_RUNTIME}},
}
CRI_IMAGES_V3_DEFAULTS = {
    'disable_snapshot_annotations': True, 'discard_unpacked_layers': False,
    'image_pull_progress_timeout': '5m0s', 'image_pull_with_sync_fs': False, 'max_concurrent_downloads': 3,
    'snapshotter': 'overlayfs', 'stats_collect_period': 10, 'use_local_image_pull': False,
    'pinned_images': {'sandbox': 'registry.k8s.io/pause:3.10'},
    'registry': {'config_path': ''},
}
CRI_SERVER_V3_DEFAULTS = {
    'disable_tcp_service': True, 'enable_tls_streaming': False, 'stream_idle_timeout': '4h0m0s',
    'stream_server_address': '127.0.0.1', 'stream_server_port': '0',
    'x509_key_pair_streaming': {'tls_cert_file': '', 'tls_key_file': ''},
}

# Types checked where a wrong type changes what the lab shows (Go decoding would fail).
TOP_TYPES = {
    'version': int, 'root': str, 'state': str, 'temp': str, 'plugin_dir': str, 'oom_score': int,
    'disabled_plugins': list, 'required_plugins': list, 'imports': list, 'grpc': dict, 'ttrpc': dict,
    'debug': dict, 'metrics': dict, 'cgroup': dict, 'plugins': dict, 'timeouts': dict,
    'proxy_plugins': dict, 'stream_processors': dict,
}
SECTION_TYPES = {
    'grpc': {'address': str, 'tcp_address': str, 'tcp_tls_ca': str, 'tcp_tls_cert': str, 'tcp_tls_key': str,
             'uid': int, 'gid': int, 'max_recv_message_size': int, 'max_send_message_size': int},
    'ttrpc': {'address': str, 'uid': int, 'gid': int},
    'debug': {'address': str, 'uid': int, 'gid': int, 'level': str, 'format': str},
    'metrics': {'address': str, 'grpc_histogram': bool},
}
GO_STRUCT = {'grpc': 'GRPCConfig', 'ttrpc': 'TTRPCConfig', 'debug': 'Debug', 'metrics': 'MetricsConfig'}
CRI_TYPES = {
    'restrict_oom_score_adj': bool, 'disable_proc_mount': bool, 'enable_unprivileged_ports': bool,
    'enable_unprivileged_icmp': bool, 'disable_tcp_service': bool, 'stream_server_address': str,
    'stream_server_port': str, 'systemd_cgroup': bool, 'sandbox_image': str, 'enable_selinux': bool,
    'disable_apparmor': bool, 'max_container_log_line_size': int,
}
OPTION_TYPES = {'SystemdCgroup': bool, 'BinaryName': str, 'Root': str, 'NoPivotRoot': bool, 'NoNewKeyring': bool}
GO_TYPE_NAMES = {bool: 'bool', str: 'string', int: 'int', list: 'slice', dict: 'map'}


def _toml_kind(value):
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'integer'
    if isinstance(value, float):
        return 'float'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'array'
    if isinstance(value, dict):
        return 'table'
    return 'datetime'


def _is(value, typ):
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


def _check(value, typ, field):
    if not _is(value, typ):
        raise CtdError(f'toml: cannot decode TOML {_toml_kind(value)} into struct field {field} of type {GO_TYPE_NAMES[typ]}')


def deep_merge(base, over):
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(base.get(key), dict):
            deep_merge(base[key], val)
        else:
            base[key] = copy.deepcopy(val)
    return base


class Config:
    def __init__(self, raw, version, warnings):
        self.raw = raw  # the file as parsed, plugin names migrated to full URIs
        self.version = version
        self.warnings = warnings
        self.effective = self._effective()

    def _effective(self):
        eff = deep_merge(copy.deepcopy(TOP_DEFAULTS), {k: v for k, v in self.raw.items() if k != 'plugins'})
        plugins = {}
        if self.version >= 3:
            plugins[CRI_RUNTIME_V3] = copy.deepcopy(CRI_RUNTIME_V3_DEFAULTS)
            plugins[CRI_IMAGES_V3] = copy.deepcopy(CRI_IMAGES_V3_DEFAULTS)
            plugins[CRI_V2] = copy.deepcopy(CRI_SERVER_V3_DEFAULTS)
        else:
            plugins[CRI_V2] = copy.deepcopy(CRI_V2_DEFAULTS)
        for name, section in (self.raw.get('plugins') or {}).items():
            if isinstance(section, dict):
                _merge_plugin(plugins.setdefault(name, {}), section)
        eff['plugins'] = plugins
        eff['version'] = max(self.version, 2)
        return eff

    def runtime_plugin(self):
        return self.effective['plugins'][CRI_RUNTIME_V3 if self.version >= 3 else CRI_V2]

    def server_plugin(self):
        return self.effective['plugins'][CRI_V2]

    def default_runtime(self):
        ctd = self.runtime_plugin().get('containerd', {})
        name = ctd.get('default_runtime_name', 'runc')
        return name, ctd.get('runtimes', {}).get(name, {})

    def systemd_cgroup(self):
        _, runtime = self.default_runtime()
        return bool((runtime.get('options') or {}).get('SystemdCgroup', False))

    def plugin_errors(self):
        """Type errors that make the CRI plugin fail to load (and `config dump` fail)."""
        errors = []
        prefix = 'config.PluginConfig' if self.version >= 3 else 'config.PluginConfig'
        for plugin in {CRI_V2, CRI_RUNTIME_V3}:
            section = self.effective['plugins'].get(plugin)
            if not section:
                continue
            try:
                for key, typ in CRI_TYPES.items():
                    if key in section:
                        _check(section[key], typ, f'{prefix}.{key}')
                for rname, runtime in (section.get('containerd', {}).get('runtimes') or {}).items():
                    if not isinstance(runtime, dict):
                        raise CtdError(f'toml: cannot decode TOML {_toml_kind(runtime)} into struct field config.Runtime of type config.Runtime')
                    for key, typ in OPTION_TYPES.items():
                        opts = runtime.get('options') or {}
                        if key in opts:
                            _check(opts[key], typ, f'options.Options.{key}')
            except CtdError as e:
                errors.append((plugin, str(e)))
        return errors


def _merge_plugin(base, section):
    # Runtime options are a free-form map in containerd 1.7: keep given keys over runc's defaults.
    deep_merge(base, section)


def load(path, missing_ok=True):
    """Parse and type-check; returns Config. Raises CtdError with containerd's message text."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        if missing_ok:
            return Config({}, 2, [])
        raise CtdError(f'failed to load TOML: {path}: open {path}: no such file or directory') from None
    except OSError as e:
        raise CtdError(f'failed to load TOML: {path}: open {path}: {e.strerror.lower()}') from None
    return loads(data, path)


def loads(data, path):
    try:
        raw = tomllib.loads(data.decode('utf-8'))
    except UnicodeDecodeError:
        raise CtdError(f'failed to load TOML: {path}: invalid UTF-8 byte sequence') from None
    except tomllib.TOMLDecodeError as e:
        raise CtdError(f'failed to load TOML: {path}: {_toml_error(str(e))}') from None
    warnings = []
    for key, val in raw.items():
        if key not in TOP_TYPES:
            warnings.append(key)
            continue
        try:
            _check(val, TOP_TYPES[key], f'config.Config.{key}')
            if key in SECTION_TYPES:
                for sub, sval in val.items():
                    if sub in SECTION_TYPES[key]:
                        _check(sval, SECTION_TYPES[key][sub], f'config.{GO_STRUCT[key]}.{sub}')
        except CtdError as e:
            raise CtdError(f'failed to load TOML: {path}: {e}') from None
    version = raw.get('version', 1)
    if version > CURRENT_VERSION:
        raise CtdError(f'failed to load TOML from {path}: expected containerd config version equal to or less '
                       f'than `{CURRENT_VERSION}`, got `{version}`')
    if version < 1:
        version = 1
    for kind, field in (('disabled_plugins', 'disabled'), ('required_plugins', 'required')):
        for name in raw.get(kind, []):
            if version >= 2 and '.' not in str(name):
                raise CtdError(f'failed to load TOML from {path}: invalid {field} plugin URI "{name}" expect io.containerd.x.vx')
    if version == 1 and isinstance(raw.get('plugins'), dict):
        raw['plugins'] = {V1_PLUGIN_NAMES.get(k, k if '.' in k else f'io.containerd.grpc.v1.{k}'): v
                          for k, v in raw['plugins'].items()}
    for key in warnings:
        del raw[key]
    return Config(raw, version, warnings)


def _toml_error(text):
    # tomllib: "Expected '=' after a key in a key/value pair (at line 3, column 5)"; go-toml: "(3, 5): ..."
    m = re.match(r'(.*) \(at line (\d+), column (\d+)\)$', text)
    if m:
        return f'({m.group(2)}, {m.group(3)}): {m.group(1)[:1].lower()}{m.group(1)[1:]}'
    return text


# --- TOML output, laid out like `containerd config dump` ------------------------------------

_BARE = re.compile(r'^[A-Za-z0-9_-]+$')


def _key(k, literal=False):
    if _BARE.match(k):
        return k
    if literal and "'" not in k:
        return "'" + k + "'"  # containerd 2.x (go-toml v2) writes plugin names as literal strings
    return '"' + k.replace('\\', '\\\\').replace('"', '\\"') + '"'


def _value(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'
    if isinstance(v, list):
        return '[' + ', '.join(_value(x) for x in v) + ']'
    if isinstance(v, dict):
        return '{' + ', '.join(f'{_key(k)} = {_value(x)}' for k, x in sorted(v.items())) + '}'
    return '"' + str(v) + '"'


def dumps(doc):
    lines = []
    _emit(doc, [], lines, 0, doc.get('version', 2) >= 3)
    return '\n'.join(lines).strip('\n') + '\n'


def _emit(table, path, lines, depth, literal):
    indent = '  ' * max(depth - 1, 0)
    scalars = [(k, v) for k, v in sorted(table.items()) if not isinstance(v, dict)]
    tables = [(k, v) for k, v in sorted(table.items()) if isinstance(v, dict)]
    if path:
        lines.append('')
        lines.append(f'{indent}[{".".join(_key(p, literal) for p in path)}]')
    inner = '  ' * depth if path else ''
    for k, v in scalars:
        lines.append(f'{inner}{_key(k)} = {_value(v)}')
    for k, v in tables:
        _emit(v, path + [k], lines, depth + 1, literal)
