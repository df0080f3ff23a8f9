"""KubeletConfiguration (kubelet.config.k8s.io/v1beta1): decode, default and validate like kubelet v1.31.

Errors are raised as ConfigError with the text the real kubelet prints, so a product grepping
`journalctl -u kubelet` for "failed to load kubelet config file" or "failed to validate kubelet
configuration" sees what it would see on a real node.
"""

import os
import re

import yaml

API_VERSION = 'kubelet.config.k8s.io/v1beta1'
KIND = 'KubeletConfiguration'
SCHEME = 'pkg/kubelet/apis/config/scheme/scheme.go:33'


class ConfigError(Exception):
    pass


# Field types, as Go names them in json decoding errors.
I32, I64, BOOL, STR, DUR, F64 = 'int32', 'int64', 'bool', 'string', 'v1.Duration', 'float64'
ANY = 'any'


def obj(go_name, fields):
    return ('obj', go_name, fields)


def lst(elem, go_name):
    return ('list', elem, go_name)


def mapping(elem, go_name):
    return ('map', elem, go_name)


STRS = lst(STR, '[]string')
STRMAP = mapping(STR, 'map[string]string')

SCHEMA = obj('KubeletConfiguration', {
    'kind': STR, 'apiVersion': STR,
    'enableServer': BOOL, 'staticPodPath': STR, 'podLogsDir': STR,
    'syncFrequency': DUR, 'fileCheckFrequency': DUR, 'httpCheckFrequency': DUR,
    'staticPodURL': STR, 'staticPodURLHeader': mapping(STRS, 'map[string][]string'),
    'address': STR, 'port': I32, 'readOnlyPort': I32,
    'tlsCertFile': STR, 'tlsPrivateKeyFile': STR, 'tlsCipherSuites': STRS, 'tlsMinVersion': STR,
    'rotateCertificates': BOOL, 'serverTLSBootstrap': BOOL,
    'authentication': obj('v1beta1.KubeletAuthentication', {
        'x509': obj('v1beta1.KubeletX509Authentication', {'clientCAFile': STR}),
        'webhook': obj('v1beta1.KubeletWebhookAuthentication', {'enabled': BOOL, 'cacheTTL': DUR}),
        'anonymous': obj('v1beta1.KubeletAnonymousAuthentication', {'enabled': BOOL}),
    }),
    'authorization': obj('v1beta1.KubeletAuthorization', {
        'mode': STR,
        'webhook': obj('v1beta1.KubeletWebhookAuthorization', {
            'cacheAuthorizedTTL': DUR, 'cacheUnauthorizedTTL': DUR}),
    }),
    'registryPullQPS': I32, 'registryBurst': I32, 'eventRecordQPS': I32, 'eventBurst': I32,
    'enableDebuggingHandlers': BOOL, 'enableContentionProfiling': BOOL,
    'healthzPort': I32, 'healthzBindAddress': STR, 'oomScoreAdj': I32,
    'clusterDomain': STR, 'clusterDNS': STRS,
    'streamingConnectionIdleTimeout': DUR, 'nodeStatusUpdateFrequency': DUR,
    'nodeStatusReportFrequency': DUR, 'nodeLeaseDurationSeconds': I32,
    'imageMinimumGCAge': DUR, 'imageMaximumGCAge': DUR,
    'imageGCHighThresholdPercent': I32, 'imageGCLowThresholdPercent': I32,
    'volumeStatsAggPeriod': DUR, 'kubeletCgroups': STR, 'systemCgroups': STR, 'cgroupRoot': STR,
    'cgroupsPerQOS': BOOL, 'cgroupDriver': STR,
    'cpuManagerPolicy': STR, 'cpuManagerPolicyOptions': STRMAP, 'cpuManagerReconcilePeriod': DUR,
    'memoryManagerPolicy': STR, 'topologyManagerPolicy': STR, 'topologyManagerScope': STR,
    'topologyManagerPolicyOptions': STRMAP, 'qosReserved': STRMAP,
    'runtimeRequestTimeout': DUR, 'hairpinMode': STR, 'maxPods': I32, 'podCIDR': STR,
    'podPidsLimit': I64, 'resolvConf': STR, 'runOnce': BOOL, 'cpuCFSQuota': BOOL,
    'cpuCFSQuotaPeriod': DUR, 'nodeStatusMaxImages': I32, 'maxOpenFiles': I64, 'contentType': STR,
    'kubeAPIQPS': I32, 'kubeAPIBurst': I32, 'serializeImagePulls': BOOL, 'maxParallelImagePulls': I32,
    'evictionHard': STRMAP, 'evictionSoft': STRMAP, 'evictionSoftGracePeriod': STRMAP,
    'evictionPressureTransitionPeriod': DUR, 'evictionMaxPodGracePeriod': I32,
    'evictionMinimumReclaim': STRMAP, 'podsPerCore': I32, 'enableControllerAttachDetach': BOOL,
    'protectKernelDefaults': BOOL, 'makeIPTablesUtilChains': BOOL,
    'iptablesMasqueradeBit': I32, 'iptablesDropBit': I32,
    'featureGates': mapping(BOOL, 'map[string]bool'), 'failSwapOn': BOOL,
    'memorySwap': obj('v1beta1.MemorySwapConfiguration', {'swapBehavior': STR}),
    'containerLogMaxSize': STR, 'containerLogMaxFiles': I32, 'containerLogMaxWorkers': I32,
    'containerLogMonitorInterval': DUR, 'configMapAndSecretChangeDetectionStrategy': STR,
    'systemReserved': STRMAP, 'kubeReserved': STRMAP, 'reservedSystemCPUs': STR,
    'showHiddenMetricsForVersion': STR, 'systemReservedCgroup': STR, 'kubeReservedCgroup': STR,
    'enforceNodeAllocatable': STRS, 'allowedUnsafeSysctls': STRS, 'volumePluginDir': STR,
    'providerID': STR, 'kernelMemcgNotification': BOOL, 'logging': ANY,
    'enableSystemLogHandler': BOOL, 'enableSystemLogQuery': BOOL,
    'shutdownGracePeriod': DUR, 'shutdownGracePeriodCriticalPods': DUR,
    'shutdownGracePeriodByPodPriority': ANY, 'reservedMemory': ANY,
    'enableProfilingHandler': BOOL, 'enableDebugFlagsHandler': BOOL, 'seccompDefault': BOOL,
    'memoryThrottlingFactor': F64, 'registerWithTaints': ANY, 'registerNode': BOOL, 'tracing': ANY,
    'localStorageCapacityIsolation': BOOL, 'containerRuntimeEndpoint': STR,
    'imageServiceEndpoint': STR, 'failCgroupV1': BOOL,
})

# v1beta1 defaults (pkg/kubelet/apis/config/v1beta1/defaults.go) for the keys the stand-in uses
# or validates.
DEFAULTS = {
    'enableServer': True, 'address': '0.0.0.0', 'port': 10250, 'readOnlyPort': 0,
    'healthzPort': 10248, 'healthzBindAddress': '127.0.0.1',
    'authentication': {'x509': {'clientCAFile': ''}, 'webhook': {'enabled': True, 'cacheTTL': '2m0s'},
                       'anonymous': {'enabled': False}},
    'authorization': {'mode': 'Webhook', 'webhook': {'cacheAuthorizedTTL': '5m0s',
                                                     'cacheUnauthorizedTTL': '30s'}},
    'registryPullQPS': 5, 'registryBurst': 10, 'eventRecordQPS': 50, 'eventBurst': 100,
    'enableDebuggingHandlers': True, 'oomScoreAdj': -999, 'streamingConnectionIdleTimeout': '4h0m0s',
    'nodeStatusUpdateFrequency': '10s', 'nodeStatusReportFrequency': '5m0s',
    'nodeLeaseDurationSeconds': 40, 'imageGCHighThresholdPercent': 85,
    'imageGCLowThresholdPercent': 80, 'cgroupsPerQOS': True, 'cgroupDriver': 'cgroupfs',
    'topologyManagerPolicy': 'none', 'topologyManagerScope': 'container',
    'hairpinMode': 'promiscuous-bridge', 'maxPods': 110, 'podPidsLimit': -1, 'cpuCFSQuota': True,
    'cpuCFSQuotaPeriod': '100ms', 'nodeStatusMaxImages': 50, 'maxOpenFiles': 1000000,
    'kubeAPIQPS': 50, 'kubeAPIBurst': 100, 'serializeImagePulls': True,
    'evictionHard': {'memory.available': '100Mi', 'nodefs.available': '10%',
                     'imagefs.available': '15%', 'nodefs.inodesFree': '5%'},
    'enforceNodeAllocatable': ['pods'], 'protectKernelDefaults': False,
    'makeIPTablesUtilChains': True, 'iptablesMasqueradeBit': 14, 'iptablesDropBit': 15,
    'failSwapOn': True, 'containerLogMaxSize': '10Mi', 'containerLogMaxFiles': 5,
    'containerLogMaxWorkers': 1, 'containerLogMonitorInterval': '10s',
    'rotateCertificates': False, 'serverTLSBootstrap': False, 'runOnce': False,
    'registerNode': True, 'seccompDefault': False, 'podLogsDir': '/var/log/pods',
    'containerRuntimeEndpoint': 'unix:///run/containerd/containerd.sock',
    'tlsCertFile': '', 'tlsPrivateKeyFile': '', 'tlsCipherSuites': [], 'tlsMinVersion': '',
    'systemReservedCgroup': '', 'kubeReservedCgroup': '', 'systemCgroups': '', 'cgroupRoot': '',
    'podsPerCore': 0, 'featureGates': {},
}

# Go's crypto/tls names (tls.CipherSuites() + tls.InsecureCipherSuites()) plus the two legacy
# names that component-base keeps accepting (cli/flag/ciphersuites_flag.go).
TLS_CIPHER_SUITES = frozenset('''
TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256
TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305
TLS_RSA_WITH_RC4_128_SHA TLS_RSA_WITH_3DES_EDE_CBC_SHA TLS_RSA_WITH_AES_128_CBC_SHA
TLS_RSA_WITH_AES_256_CBC_SHA TLS_RSA_WITH_AES_128_CBC_SHA256 TLS_RSA_WITH_AES_128_GCM_SHA256
TLS_RSA_WITH_AES_256_GCM_SHA384 TLS_ECDHE_ECDSA_WITH_RC4_128_SHA TLS_ECDHE_RSA_WITH_RC4_128_SHA
TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
'''.split())

TLS_VERSIONS = ('VersionTLS10', 'VersionTLS11', 'VersionTLS12', 'VersionTLS13')

_DUR_UNITS = {'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'μs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0}
_DUR_PART = re.compile(r'([0-9]*(?:\.[0-9]*)?)([^0-9.]*)')


def parse_duration(text):
    """Go's time.ParseDuration; returns seconds or raises ValueError with Go's message."""
    orig = text
    sign = -1 if text[:1] == '-' else 1
    text = text[1:] if text[:1] in '+-' else text
    if text == '0':
        return 0.0
    if not text:
        raise ValueError(f'time: invalid duration "{orig}"')
    total = 0.0
    pos = 0
    while pos < len(text):
        m = _DUR_PART.match(text, pos)
        number, unit = m.group(1), m.group(2)
        if number in ('', '.'):
            raise ValueError(f'time: invalid duration "{orig}"')
        if not unit:
            raise ValueError(f'time: missing unit in duration "{orig}"')
        if unit not in _DUR_UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration "{orig}"')
        total += float(number) * _DUR_UNITS[unit]
        pos = m.end()
    return sign * total


def _json_kind(value):
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'array'
    if isinstance(value, dict):
        return 'object'
    return 'string'


def _type_error(value, path, go_type):
    kind = _json_kind(value)
    if kind == 'number' and isinstance(value, float) and go_type in (I32, I64):
        kind = f'number {value:g}'
    elif kind == 'number' and go_type in (I32, I64):
        kind = f'number {value}'
    return ConfigError(f'json: cannot unmarshal {kind} into Go struct field {path} of type {go_type}')


def _decode(value, spec, path, unknown):
    """Type-check `value` against `spec` like encoding/json would; returns the decoded value."""
    if value is None or spec == ANY:
        return value
    if spec in (I32, I64):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(value, path, spec)
        if isinstance(value, float):
            if not value.is_integer():
                raise _type_error(value, path, spec)
            value = int(value)
        limit = 2 ** 31 if spec == I32 else 2 ** 63
        if not -limit <= value < limit:
            raise _type_error(value, path, spec)
        return value
    if spec == F64:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(value, path, spec)
        return float(value)
    if spec == BOOL:
        if not isinstance(value, bool):
            raise _type_error(value, path, spec)
        return value
    if spec == STR:
        if not isinstance(value, str):
            raise _type_error(value, path, spec)
        return value
    if spec == DUR:
        if not isinstance(value, str):
            raise ConfigError(f'json: cannot unmarshal {_json_kind(value)} into Go value of type string')
        try:
            parse_duration(value)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        return value
    kind = spec[0]
    if kind == 'list':
        if not isinstance(value, list):
            raise _type_error(value, path, spec[2])
        return [_decode(v, spec[1], path, unknown) for v in value]
    if kind == 'map':
        if not isinstance(value, dict):
            raise _type_error(value, path, spec[2])
        return {str(k): _decode(v, spec[1], path, unknown) for k, v in value.items()}
    if kind == 'obj':
        if not isinstance(value, dict):
            raise _type_error(value, path, spec[1])
        fields = spec[2]
        folded = {k.lower(): k for k in fields}
        out = {}
        for key, val in value.items():
            key = str(key)
            name = key if key in fields else folded.get(key.lower())
            sub = f'{path}.{name or key}'
            if name != key:
                # Strict decoding rejects it; lenient decoding (encoding/json is case-insensitive) keeps it.
                unknown.append(key)
            if name is None:
                continue
            out[name] = _decode(val, fields[name], sub, unknown)
        return out
    return value


def _yaml_error(err):
    mark = getattr(err, 'problem_mark', None)
    problem = getattr(err, 'problem', None) or str(err)
    problem = problem.replace('mapping values are not allowed here', 'mapping values are not allowed in this context')
    line = f'line {mark.line + 1}: ' if mark is not None else ''
    return f'error converting YAML to JSON: yaml: {line}{problem}'


def _merge(base, over):
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(base.get(key), dict):
            _merge(base[key], val)
        else:
            base[key] = val
    return base


def decode_bytes(data, label):
    """Returns (decoded dict, list of unknown/strict-failing keys). Raises ConfigError(decode message)."""
    if not data.strip():
        raise ConfigError(f'kubelet config file "{label}" was empty')
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as e:
        raise ConfigError('failed to decode: ' + _yaml_error(e)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f'failed to decode: error converting YAML to JSON: yaml: invalid utf-8: {e}') from None
    if not isinstance(raw, dict):
        raise ConfigError(
            'failed to decode: couldn\'t get version/kind; json parse error: json: cannot unmarshal '
            f'{_json_kind(raw)} into Go value of type struct {{ APIVersion string "json:\\"apiVersion,omitempty\\""; '
            'Kind string "json:\\"kind,omitempty\\"" }')
    kind = raw.get('kind')
    api_version = raw.get('apiVersion')
    compact = yaml_json_preview(raw)
    if not kind:
        raise ConfigError(f"failed to decode: Object 'Kind' is missing in '{compact}'")
    if not api_version:
        raise ConfigError(f"failed to decode: Object 'apiVersion' is missing in '{compact}'")
    if kind != KIND or api_version != API_VERSION:
        raise ConfigError(f'failed to decode: no kind "{kind}" is registered for version "{api_version}" in scheme "{SCHEME}"')
    unknown = []
    try:
        decoded = _decode(raw, SCHEMA, 'KubeletConfiguration', unknown)
    except ConfigError as e:
        raise ConfigError(f'failed to decode: {e}') from None
    return decoded, unknown


def yaml_json_preview(raw):
    import json
    text = json.dumps(raw, separators=(',', ':'), default=str)
    return text if len(text) < 200 else text[:197] + '...'


def load(path, dropin_dir=None):
    """Load config like loadConfigFile(): returns (config with defaults, notes to log)."""
    label = os.path.abspath(path)

    def wrap(msg):
        return ConfigError(f'failed to load kubelet config file, path: {path}, error: '
                           f'failed to load Kubelet config file {label}, error {msg}')
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise wrap(f'failed to read kubelet config file "{label}", error: open {label}: {_os_reason(e)}') from None
    try:
        cfg, unknown = decode_bytes(data, label)
    except ConfigError as e:
        raise wrap(str(e)) from None
    notes = []
    if unknown:
        notes.append(('Using lenient decoding as strict decoding failed',
                      'strict decoding error: ' + ', '.join(f'unknown field "{k}"' for k in unknown)))
    if dropin_dir:
        for name in sorted(os.listdir(dropin_dir)) if os.path.isdir(dropin_dir) else []:
            if not name.endswith('.conf'):
                continue
            drop = os.path.join(dropin_dir, name)
            try:
                with open(drop, 'rb') as f:
                    extra, _ = decode_bytes(f.read(), drop)
            except (OSError, ConfigError) as e:
                raise ConfigError(f'failed to merge kubelet configs: failed to load kubelet dropin file, path: {drop}, error: {e}') from None
            _merge(cfg, extra)
    return apply_defaults(cfg), notes


def _os_reason(err):
    return (err.strerror or str(err)).lower()


def apply_defaults(cfg):
    import copy
    return _merge(copy.deepcopy(DEFAULTS), {k: v for k, v in cfg.items() if v is not None})


def validate(cfg):
    """ValidateKubeletConfiguration subset; returns a list of messages (empty = valid)."""
    errs = []

    def bad(msg):
        errs.append('invalid configuration: ' + msg)
    if cfg['nodeLeaseDurationSeconds'] <= 0:
        bad('nodeLeaseDurationSeconds must be greater than 0')
    if cfg.get('systemCgroups') and not cfg.get('cgroupRoot'):
        bad('systemCgroups (--system-cgroups) was specified and cgroupRoot (--cgroup-root) was not specified')
    if cfg['eventBurst'] < 0:
        bad(f'eventBurst (--event-burst) {cfg["eventBurst"]} must not be a negative number')
    if cfg['eventRecordQPS'] < 0:
        bad(f'eventRecordQPS (--event-qps) {cfg["eventRecordQPS"]} must not be a negative number')
    if cfg['healthzPort'] != 0 and not 1 <= cfg['healthzPort'] <= 65535:
        bad(f'healthzPort (--healthz-port) {cfg["healthzPort"]} must be between 1 and 65535, inclusive')
    for key, flag in (('imageGCHighThresholdPercent', 'image-gc-high-threshold'),
                      ('imageGCLowThresholdPercent', 'image-gc-low-threshold')):
        if not 0 <= cfg[key] <= 100:
            bad(f'{key} (--{flag}) {cfg[key]} must be between 0 and 100, inclusive')
    if cfg['imageGCLowThresholdPercent'] >= cfg['imageGCHighThresholdPercent']:
        bad(f'imageGCLowThresholdPercent (--image-gc-low-threshold) {cfg["imageGCLowThresholdPercent"]} '
            f'must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) {cfg["imageGCHighThresholdPercent"]}')
    for key, flag in (('iptablesDropBit', 'iptables-drop-bit'), ('iptablesMasqueradeBit', 'iptables-masquerade-bit')):
        if not 0 <= cfg[key] <= 31:
            bad(f'{key} (--{flag}) {cfg[key]} must be between 0 and 31, inclusive')
    for key, flag in (('kubeAPIBurst', 'kube-api-burst'), ('kubeAPIQPS', 'kube-api-qps'),
                      ('maxOpenFiles', 'max-open-files'), ('maxPods', 'max-pods'),
                      ('podsPerCore', 'pods-per-core'), ('registryBurst', 'registry-burst'),
                      ('registryPullQPS', 'registry-qps')):
        if cfg[key] < 0:
            bad(f'{key} (--{flag}) {cfg[key]} must not be a negative number')
    if cfg['nodeStatusMaxImages'] < -1:
        bad(f'nodeStatusMaxImages (--node-status-max-images) {cfg["nodeStatusMaxImages"]} must be -1 or greater')
    if not -1000 <= cfg['oomScoreAdj'] <= 1000:
        bad(f'oomScoreAdj (--oom-score-adj) {cfg["oomScoreAdj"]} must be between -1000 and 1000, inclusive')
    if not 1 <= cfg['port'] <= 65535:
        bad(f'port (--port) {cfg["port"]} must be between 1 and 65535, inclusive')
    if cfg['readOnlyPort'] != 0 and not 1 <= cfg['readOnlyPort'] <= 65535:
        bad(f'readOnlyPort (--read-only-port) {cfg["readOnlyPort"]} must be between 0 and 65535, inclusive')
    if cfg['runOnce']:
        bad('runOnce (--runOnce) true, Runonce mode has been deprecated and should not be set')
    if cfg['topologyManagerPolicy'] not in ('none', 'best-effort', 'restricted', 'single-numa-node'):
        bad(f'topologyManagerPolicy (--topology-manager-policy) "{cfg["topologyManagerPolicy"]}" must be one of: '
            '["none" "best-effort" "restricted" "single-numa-node"]')
    if cfg['topologyManagerScope'] not in ('container', 'pod'):
        bad(f'topologyManagerScope (--topology-manager-scope) "{cfg["topologyManagerScope"]}" must be one of: "container", or "pod"')
    errs.extend(_validate_enforcement(cfg))
    if cfg['hairpinMode'] not in ('none', 'hairpin-veth', 'promiscuous-bridge'):
        bad(f'option "{cfg["hairpinMode"]}" specified for hairpinMode (--hairpin-mode). '
            'Valid options are "none", "hairpin-veth" or "promiscuous-bridge"')
    if cfg['cgroupDriver'] not in ('systemd', 'cgroupfs'):
        bad(f'cgroupDriver (--cgroup-driver) "{cfg["cgroupDriver"]}" must be one of: "cgroupfs", "systemd"')
    if not cfg['containerRuntimeEndpoint']:
        bad('the containerRuntimeEndpoint was not specified or empty')
    if cfg['containerLogMaxWorkers'] < 1:
        bad('containerLogMaxWorkers must be greater than or equal to 1')
    if parse_duration(cfg['containerLogMonitorInterval']) < 3:
        bad('containerLogMonitorInterval must be a positive time duration greater than or equal to 3s')
    if cfg['containerLogMaxFiles'] <= 1:
        bad('containerLogMaxFiles must be greater than 1')
    if not cfg['podLogsDir'].startswith('/'):
        bad(f'pod logs path "{cfg["podLogsDir"]}" must be absolute path')
    factor = cfg.get('memoryThrottlingFactor')
    if factor is not None and not 0 < factor <= 1.0:
        bad(f'memoryThrottlingFactor {factor:g} must be greater than 0 and less than or equal to 1.0')
    for gate, value in cfg['featureGates'].items():
        if gate == 'RotateKubeletServerCertificate' and value is False and cfg['serverTLSBootstrap']:
            bad('serverTLSBootstrap true requires feature gate RotateKubeletServerCertificate')
    return errs


def _validate_enforcement(cfg):
    errs = []
    keys = cfg['enforceNodeAllocatable'] or []
    seen = set()
    for val in keys:
        if val in seen:
            errs.append(f'invalid configuration: duplicated enforcements "{val}" in enforceNodeAllocatable (--enforce-node-allocatable)')
            continue
        seen.add(val)
        if val == 'pods':
            pass
        elif val in ('system-reserved', 'system-reserved-compressible'):
            if not cfg['systemReservedCgroup']:
                errs.append('invalid configuration: systemReservedCgroup (--system-reserved-cgroup) must be specified when '
                            '"system-reserved" or "system-reserved-compressible" included in enforceNodeAllocatable (--enforce-node-allocatable)')
        elif val in ('kube-reserved', 'kube-reserved-compressible'):
            if not cfg['kubeReservedCgroup']:
                errs.append('invalid configuration: kubeReservedCgroup (--kube-reserved-cgroup) must be specified when '
                            '"kube-reserved" or "kube-reserved-compressible" included in enforceNodeAllocatable (--enforce-node-allocatable)')
        elif val == 'none':
            if len(keys) > 1:
                errs.append('invalid configuration: enforceNodeAllocatable (--enforce-node-allocatable) may not contain '
                            'additional enforcements when "none" is specified')
            continue
        else:
            errs.append(f'invalid configuration: option "{val}" specified for enforceNodeAllocatable (--enforce-node-allocatable). '
                        'Valid options are "pods", "system-reserved", "system-reserved-compressible", "kube-reserved", '
                        '"kube-reserved-compressible" or "none"')
            continue
        if not cfg['cgroupsPerQOS']:
            errs.append(f'invalid configuration: cgroupsPerQOS (--cgroups-per-qos) must be set to true when "{val}" '
                        'contained in enforceNodeAllocatable (--enforce-node-allocatable)')
    return errs


def aggregate(errors):
    """utilerrors.NewAggregate formatting."""
    if len(errors) == 1:
        return errors[0]
    return '[' + ', '.join(errors) + ']'


# Command-line flags that override config fields: flag -> (dotted field, type).
FLAG_FIELDS = {
    'address': ('address', STR), 'port': ('port', I32), 'read-only-port': ('readOnlyPort', I32),
    'healthz-port': ('healthzPort', I32), 'healthz-bind-address': ('healthzBindAddress', STR),
    'cgroup-driver': ('cgroupDriver', STR), 'protect-kernel-defaults': ('protectKernelDefaults', BOOL),
    'anonymous-auth': ('authentication.anonymous.enabled', BOOL),
    'authorization-mode': ('authorization.mode', STR),
    'client-ca-file': ('authentication.x509.clientCAFile', STR),
    'tls-cert-file': ('tlsCertFile', STR), 'tls-private-key-file': ('tlsPrivateKeyFile', STR),
    'tls-cipher-suites': ('tlsCipherSuites', STRS), 'tls-min-version': ('tlsMinVersion', STR),
    'event-qps': ('eventRecordQPS', I32), 'rotate-certificates': ('rotateCertificates', BOOL),
    'max-pods': ('maxPods', I32), 'pod-max-pids': ('podPidsLimit', I64),
    'streaming-connection-idle-timeout': ('streamingConnectionIdleTimeout', DUR),
    'make-iptables-util-chains': ('makeIPTablesUtilChains', BOOL),
    'container-runtime-endpoint': ('containerRuntimeEndpoint', STR),
    'enforce-node-allocatable': ('enforceNodeAllocatable', STRS),
    'system-reserved-cgroup': ('systemReservedCgroup', STR), 'kube-reserved-cgroup': ('kubeReservedCgroup', STR),
    'seccomp-default': ('seccompDefault', BOOL), 'fail-swap-on': ('failSwapOn', BOOL),
}


def apply_flag(cfg, flag, raw):
    """Set a config field from a command-line flag value; raises ConfigError like pflag does."""
    field, typ = FLAG_FIELDS[flag]
    try:
        if typ == BOOL:
            if raw.lower() not in ('true', 'false', '1', '0', 't', 'f'):
                raise ValueError(f'strconv.ParseBool: parsing "{raw}": invalid syntax')
            value = raw.lower() in ('true', '1', 't')
        elif typ in (I32, I64):
            if not re.fullmatch(r'[+-]?[0-9]+', raw):
                raise ValueError(f'strconv.ParseInt: parsing "{raw}": invalid syntax')
            value = int(raw)
        elif typ == STRS:
            value = [s for s in raw.split(',') if s]
        elif typ == DUR:
            parse_duration(raw)
            value = raw
        else:
            value = raw
    except ValueError as e:
        raise ConfigError(f'invalid argument "{raw}" for "--{flag}" flag: {e}') from None
    target = cfg
    parts = field.split('.')
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value
