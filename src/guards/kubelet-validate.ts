import { parse } from 'yaml';
import { KUBELET_CONFIG_API_VERSION, KUBELET_CONFIG_KIND } from '../resources/kubelet-config.ts';

/** The TLS cipher suite names the kubelet accepts (Go's crypto/tls names). An unknown one stops it at start. */
export const KNOWN_TLS_CIPHER_SUITES: ReadonlySet<string> = new Set([
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_RSA_WITH_AES_128_CBC_SHA256',
]);

type FieldType = 'bool' | 'int' | 'number' | 'string' | 'duration' | 'map' | 'list';

/** Types of the KubeletConfiguration v1beta1 fields the playbooks and kubeadm write. */
const FIELD_TYPES: Readonly<Record<string, FieldType>> = {
  'authentication.anonymous.enabled': 'bool',
  'authentication.webhook.enabled': 'bool',
  'authentication.webhook.cacheTTL': 'duration',
  'authentication.x509.clientCAFile': 'string',
  'authorization.mode': 'string',
  'authorization.webhook.cacheAuthorizedTTL': 'duration',
  'authorization.webhook.cacheUnauthorizedTTL': 'duration',
  address: 'string',
  port: 'int',
  readOnlyPort: 'int',
  healthzPort: 'int',
  healthzBindAddress: 'string',
  tlsCertFile: 'string',
  tlsPrivateKeyFile: 'string',
  tlsCipherSuites: 'list',
  tlsMinVersion: 'string',
  rotateCertificates: 'bool',
  serverTLSBootstrap: 'bool',
  streamingConnectionIdleTimeout: 'duration',
  makeIPTablesUtilChains: 'bool',
  eventRecordQPS: 'int',
  eventBurst: 'int',
  podPidsLimit: 'int',
  maxPods: 'int',
  seccompDefault: 'bool',
  protectKernelDefaults: 'bool',
  enableDebuggingHandlers: 'bool',
  cgroupDriver: 'string',
  cgroupRoot: 'string',
  clusterDomain: 'string',
  clusterDNS: 'list',
  staticPodPath: 'string',
  evictionHard: 'map',
  evictionSoft: 'map',
  kubeReserved: 'map',
  systemReserved: 'map',
  enforceNodeAllocatable: 'list',
  featureGates: 'map',
  runtimeRequestTimeout: 'duration',
  nodeStatusUpdateFrequency: 'duration',
  nodeStatusReportFrequency: 'duration',
  imageGCHighThresholdPercent: 'int',
  imageGCLowThresholdPercent: 'int',
  containerRuntimeEndpoint: 'string',
  resolvConf: 'string',
  rotateServerCertificates: 'bool',
};

const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^0$/;

/** Checks a candidate kubelet config the way the kubelet would at start. Returns the problems (empty: fine). */
export function validateKubeletConfig(text: string): string[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return [`not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`];
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) return ['not a YAML mapping'];
  const config = document as Record<string, unknown>;
  const problems: string[] = [];
  if (config['kind'] !== KUBELET_CONFIG_KIND) problems.push(`kind is ${String(config['kind'])}, not ${KUBELET_CONFIG_KIND}`);
  if (config['apiVersion'] !== KUBELET_CONFIG_API_VERSION) problems.push(`apiVersion is ${String(config['apiVersion'])}, not ${KUBELET_CONFIG_API_VERSION}`);
  for (const [path, type] of Object.entries(FIELD_TYPES)) {
    const value = getPath(config, path);
    if (value !== undefined && value !== null && !hasType(value, type)) problems.push(`${path}: ${JSON.stringify(value)} is not a ${type}`);
  }
  for (const port of ['port', 'readOnlyPort', 'healthzPort']) {
    const value = config[port];
    if (typeof value === 'number' && (value < 0 || value > 65535)) problems.push(`${port}: ${value} is not a port`);
  }
  const nonNegative = ['eventRecordQPS', 'eventBurst', 'maxPods'];
  for (const key of nonNegative) {
    const value = config[key];
    if (typeof value === 'number' && value < 0) problems.push(`${key}: must be >= 0`);
  }
  const driver = config['cgroupDriver'];
  if (driver !== undefined && driver !== 'systemd' && driver !== 'cgroupfs') problems.push(`cgroupDriver: ${String(driver)} is neither systemd nor cgroupfs`);
  const mode = getPath(config, 'authorization.mode');
  if (mode !== undefined && mode !== 'Webhook' && mode !== 'AlwaysAllow') problems.push(`authorization.mode: ${String(mode)} is neither Webhook nor AlwaysAllow`);
  const suites = config['tlsCipherSuites'];
  if (Array.isArray(suites)) {
    for (const suite of suites) if (!KNOWN_TLS_CIPHER_SUITES.has(String(suite))) problems.push(`tlsCipherSuites: unknown cipher suite ${String(suite)}`);
  }
  const enforce = config['enforceNodeAllocatable'];
  if (Array.isArray(enforce)) {
    if (enforce.includes('system-reserved') && !config['systemReservedCgroup']) problems.push('enforceNodeAllocatable has system-reserved but systemReservedCgroup is not set');
    if (enforce.includes('kube-reserved') && !config['kubeReservedCgroup']) problems.push('enforceNodeAllocatable has kube-reserved but kubeReservedCgroup is not set');
  }
  return problems;
}

export function getPath(object: unknown, path: string): unknown {
  let at: unknown = object;
  for (const part of path.split('.')) {
    if (!at || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'bool':
      return typeof value === 'boolean';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'duration':
      return typeof value === 'string' && DURATION.test(value);
    case 'map':
      return typeof value === 'object' && !Array.isArray(value);
    case 'list':
      return Array.isArray(value);
  }
}
