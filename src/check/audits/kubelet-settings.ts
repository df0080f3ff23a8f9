import type { NodeFacts } from '../../facts/types.ts';
import { describeSetting, goDurationSeconds, kubeletView, setting, type KubeletView, type Setting } from '../kubelet.ts';
import type { Audit, AuditResult } from '../types.ts';
import { combine, fail, pass, unknown } from './result.ts';

/** CIS 1.12 4.2.12: the only suites allowed (the six ECDHE AEAD suites). */
export const STRONG_CIPHERS = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
] as const;

/** CIS 1.9 to 1.11 4.2.12 also allow two RSA key-exchange GCM suites. */
export const STRONG_CIPHERS_UNTIL_1_11 = [...STRONG_CIPHERS, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_AES_128_GCM_SHA256'] as const;

/**
 * Judges one kubelet setting. `decide` sees the value as a string (flags) or YAML value (file), or
 * undefined when unset; it returns the problem, or undefined when the value is acceptable.
 * `unset` says what an unset key means, when it passes.
 */
export function kubeletSetting(flag: string | undefined, path: string, decide: (value: unknown, s: Setting) => string | undefined, unset?: string): Audit {
  return (facts) => judge(facts, (view) => {
    const s = setting(view, flag, path);
    if (s.from === 'unknown') return unknown(s.why);
    const problem = decide(s.from === 'unset' ? undefined : s.value, s);
    if (problem) return fail(`${describeSetting(s)}: ${problem}`);
    return pass(s.from === 'unset' && unset ? `${describeSetting(s)} (${unset})` : describeSetting(s));
  });
}

function judge(facts: NodeFacts, body: (view: KubeletView) => AuditResult): AuditResult {
  const view = kubeletView(facts);
  if (!view) return unknown('the kubelet was not read');
  const result = body(view);
  return view.running || result.verdict !== 'pass' ? result : { ...result, details: [...result.details, 'no kubelet is running: judged from its config file'] };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const isTrue = (value: unknown): boolean => value === true || text(value).toLowerCase() === 'true';
const isFalse = (value: unknown): boolean => value === false || text(value).toLowerCase() === 'false';

/** kube-bench passes an absent key; absent here fails when the kubelet default is insecure. */
export const mustBe =
  (wanted: boolean, insecureDefault: boolean) =>
  (value: unknown): string | undefined => {
    if (value === undefined) return insecureDefault ? `must be set to ${String(wanted)} (the default is ${String(!wanted)})` : undefined;
    return (wanted ? isTrue(value) : isFalse(value)) ? undefined : `must be ${String(wanted)}`;
  };

/** Set explicitly: kube-bench fails these when absent even where the default is secure (§2.3.1). */
export const explicitly =
  (decide: (value: unknown) => string | undefined) =>
  (value: unknown): string | undefined =>
    value === undefined ? 'must be set explicitly' : decide(value);

export const authorizationMode = (value: unknown): string | undefined =>
  text(value).split(',').some((mode) => mode.trim() === 'AlwaysAllow') ? 'AlwaysAllow authorizes every request' : undefined;

export const nonEmptyPath = (value: unknown): string | undefined => (text(value).trim() === '' ? 'must name the client CA file' : undefined);

export const readOnlyPort = (value: unknown, s: Setting): string | undefined => {
  // the file's default is 0, the flag's 10255: unset is secure only with a config file
  if (value === undefined) return undefined;
  return Number(text(value)) === 0 ? undefined : `the unauthenticated read-only port ${text(value)} is open${s.from === 'flag' ? ' (the flag overrides the config file)' : ''}`;
};

/**
 * 4.2.5: not 0. A zero duration in the config file is defaulted to 4h0m0s (v1beta1
 * SetDefaults_KubeletConfiguration: `if obj.StreamingConnectionIdleTimeout == zeroDuration`),
 * and the command line is applied over the defaulted file (cmd/kubelet/app/server.go
 * kubeletConfigFlagPrecedence): only the flag can make it 0, which turns the timeout off.
 */
export const streamingTimeout: Audit = (facts) =>
  judge(facts, (view) => {
    const s = setting(view, 'streaming-connection-idle-timeout', 'streamingConnectionIdleTimeout');
    if (s.from === 'unknown') return unknown(s.why);
    if (s.from === 'unset') return pass(`${describeSetting(s)} (4h0m0s by default)`);
    const seconds = goDurationSeconds(text(s.value));
    if (seconds === undefined) return fail(`${describeSetting(s)}: is not a duration (the kubelet refuses to start)`);
    if (s.from === 'flag' && seconds === 0) return fail(`${describeSetting(s)}: 0 on the command line turns the idle timeout off`);
    if (seconds === 0) return pass(`${describeSetting(s)}: a zero duration in the config file is defaulted to 4h0m0s`);
    return pass(describeSetting(s));
  });

/** 4.2.8: any whole number ≥ 0 (CIS: 0 captures every event); unset is 50 (v1beta1 default). */
export const eventQps = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  const n = Number(text(value));
  return Number.isInteger(n) && n >= 0 ? undefined : 'must be a whole number ≥ 0';
};

export const podPidsLimit = (value: unknown): string | undefined => {
  if (value === undefined) return 'must be set (the default -1 is unlimited)';
  const n = Number(text(value));
  return Number.isInteger(n) && n > 0 ? undefined : `${text(value)} does not limit PIDs`;
};

/** 4.2.12: only suites the benchmark allows; unset leaves Go's defaults (CBC and RSA key exchange among them). */
export const cipherSuites =
  (allowed: readonly string[]) =>
  (value: unknown): string | undefined => {
    if (value === undefined) return 'must be set (Go defaults include CBC and RSA key-exchange suites)';
    const suites = Array.isArray(value) ? value.map(text) : text(value).split(',').map((s) => s.trim()).filter(Boolean);
    if (suites.length === 0) return 'must not be empty';
    const weak = suites.filter((s) => !allowed.includes(s));
    return weak.length > 0 ? `not allowed: ${weak.join(', ')}` : undefined;
  };

/** cis-1.11 4.2.15: IPAddressDeny=any, a systemd directive of the kubelet's unit (as systemd resolved it with its drop-ins). */
export const ipAddressDenyAny: Audit = (facts) => {
  const unit = facts.units.get('kubelet');
  if (!unit) return unknown('the kubelet unit was not read');
  if (['not-found', 'unknown', ''].includes(unit.loadState)) return unknown('no kubelet.service is loaded: its IPAddressDeny cannot be read');
  const deny = unit.ipAddressDeny;
  if (deny.includes('0.0.0.0/0') && deny.includes('::/0')) return pass(`kubelet.service: IPAddressDeny=${deny.join(' ')} (any)`);
  return fail(deny.length === 0 ? 'kubelet.service does not set IPAddressDeny' : `kubelet.service: IPAddressDeny=${deny.join(' ')}, not any`);
};

/** 4.2.11: the gate is on unless turned off, by the flag's list or the file's map. */
export const rotateServerCertificatesGate: Audit = (facts) =>
  judge(facts, (view) => {
    const flag = view.flags.get('feature-gates');
    if (flag !== undefined) {
      const off = flag.split(',').some((pair) => pair.trim().replace(/\s/g, '').toLowerCase() === 'rotatekubeletservercertificate=false');
      return off ? fail(`--feature-gates=${flag}: RotateKubeletServerCertificate is off`) : pass(`--feature-gates=${flag}`);
    }
    const s = setting(view, undefined, 'featureGates.RotateKubeletServerCertificate');
    if (s.from === 'unknown') return unknown(s.why);
    if (s.from === 'unset') return pass('RotateKubeletServerCertificate is not turned off (on by default)');
    return isFalse(s.value) ? fail(`${describeSetting(s)}: must not be false`) : pass(describeSetting(s));
  });

/** 4.2.7: only the command line can carry it. */
export const noHostnameOverride: Audit = (facts) =>
  judge(facts, (view) => {
    if (!view.running) return unknown('no kubelet is running: its command line was not read');
    const value = view.flags.get('hostname-override');
    return value === undefined ? pass('--hostname-override is not set') : fail(`--hostname-override=${value} is set`);
  });

/** 4.2.9: an explicit serving certificate, or one the cluster signs (serverTLSBootstrap). */
export const servingCertificate: Audit = (facts) =>
  judge(facts, (view) => {
    const cert = setting(view, 'tls-cert-file', 'tlsCertFile');
    const key = setting(view, 'tls-private-key-file', 'tlsPrivateKeyFile');
    const bootstrap = setting(view, undefined, 'serverTLSBootstrap');
    for (const s of [cert, key]) if (s.from === 'unknown') return unknown(s.why);
    if (cert.from !== 'unset' && key.from !== 'unset') return pass(describeSetting(cert), describeSetting(key));
    if (bootstrap.from === 'config' && isTrue(bootstrap.value)) return pass('serverTLSBootstrap: true (the serving certificate is signed by the cluster)');
    return fail('neither tlsCertFile and tlsPrivateKeyFile nor serverTLSBootstrap: the kubelet serves a self-signed certificate');
  });

/** Several settings at once (KCFG-01 and the like). */
export function allSettings(parts: readonly Audit[]): Audit {
  return (facts) => combine(parts.map((audit) => audit(facts)));
}
