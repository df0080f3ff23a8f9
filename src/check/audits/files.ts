import type { FactRequest, NodeFacts, PresentFile } from '../../facts/types.ts';
import { kubeletView } from '../kubelet.ts';
import type { Audit, AuditResult } from '../types.ts';
import { combine, fail, notApplicable, pass, unknown } from './result.ts';

/** Where packages and kubeadm put the kubelet unit and its drop-ins (pkgs.k8s.io, legacy apt, hand installs). */
export const KUBELET_UNITS = ['/lib/systemd/system/kubelet.service', '/usr/lib/systemd/system/kubelet.service', '/etc/systemd/system/kubelet.service'] as const;
export const KUBELET_DROPINS = ['/lib/systemd/system/kubelet.service.d/*.conf', '/usr/lib/systemd/system/kubelet.service.d/*.conf', '/etc/systemd/system/kubelet.service.d/*.conf'] as const;
export const KUBELET_KUBECONFIG = '/etc/kubernetes/kubelet.conf';
export const CLIENT_CA = '/etc/kubernetes/pki/ca.crt';
/** kube-bench's default and kubeadm's in-pod path, in case it is mounted from the host. */
export const PROXY_KUBECONFIGS = ['/etc/kubernetes/proxy.conf', '/var/lib/kube-proxy/kubeconfig.conf'] as const;
/** kubeadm's --config-dir (KEP-3983). */
export const KUBELET_CONFIG_DIR = '/etc/kubernetes/kubelet.conf.d';
export const KUBELET_DATA_DIR = '/var/lib/kubelet';
export const KUBELET_PKI_KEYS = '/var/lib/kubelet/pki/*.key';

export const stat = (path: string): FactRequest => ({ kind: 'file', path, content: false, follow: true, sensitive: false });
export const glob = (pattern: string): FactRequest => ({ kind: 'glob', pattern });

/** "mode is `max` or more restrictive": no bit set that `max` does not allow. */
export function modeWithin(mode: string, max: number): boolean {
  return (Number.parseInt(mode, 8) & ~max & 0o7777) === 0;
}

export type FileTest = (file: PresentFile) => string | undefined;

export const modeAtMost =
  (max: number): FileTest =>
  (file) =>
    modeWithin(file.mode, max) ? undefined : `${file.path} has mode ${file.mode}, more permissive than ${max.toString(8).padStart(4, '0')}`;

export const rootOwned: FileTest = (file) => (file.owner === 'root' && file.group === 'root' ? undefined : `${file.path} is owned by ${file.owner}:${file.group}, not root:root`);

/** One file, which must exist (`required`) or is only judged if it does. */
export function auditFile(facts: NodeFacts, path: string, test: FileTest, required: boolean): AuditResult {
  const fact = facts.files.get(path);
  if (!fact) return unknown(`${path} was not read`);
  if (!fact.exists) return required ? fail(`${path} does not exist`) : notApplicable(`${path} does not exist`);
  if (fact.type === 'symlink') return unknown(`${path} is a symlink whose target was not read`);
  const problem = test(fact);
  return problem ? fail(problem) : pass(`${path}: ${fact.mode} ${fact.owner}:${fact.group}`);
}

/** Every existing kubelet unit file and drop-in; none found cannot be decided (not a systemd kubelet?). */
export function kubeletUnitAudit(test: FileTest): Audit {
  return (facts) => {
    const paths = [...KUBELET_UNITS.filter((p) => facts.files.get(p)?.exists), ...KUBELET_DROPINS.flatMap((g) => facts.globs.get(g) ?? [])];
    if (paths.length === 0) return unknown(`no kubelet unit file found (${KUBELET_UNITS.join(', ')})`);
    return combine([...new Set(paths)].map((path) => auditFile(facts, path, test, true)));
  };
}

/** The kubeconfig the kubelet runs with: its --kubeconfig, else kubeadm's path. */
export function kubeletKubeconfigAudit(test: FileTest): Audit {
  return (facts) => {
    const path = (facts.kubelet && kubeletView(facts)?.flags.get('kubeconfig')) ?? KUBELET_KUBECONFIG;
    return auditFile(facts, path, test, true);
  };
}

/** The client CA: --client-ca-file, else authentication.x509.clientCAFile (kube-bench ignores the file), else kubeadm's. */
export function clientCaPath(facts: NodeFacts): string {
  const view = kubeletView(facts);
  const fromConfig = view?.config.ok ? ((view.config.value['authentication'] as { x509?: { clientCAFile?: unknown } } | undefined)?.x509?.clientCAFile) : undefined;
  return view?.flags.get('client-ca-file') ?? (typeof fromConfig === 'string' && fromConfig !== '' ? fromConfig : CLIENT_CA);
}

export function clientCaAudit(test: FileTest): Audit {
  return (facts) => auditFile(facts, clientCaPath(facts), test, true);
}

/** The config file the running kubelet was started with (--config), not a guessed path. */
export function kubeletConfigFileAudit(test: FileTest): Audit {
  return (facts) => {
    const config = facts.kubelet?.config;
    if (!config) return unknown('the kubelet was not read');
    return auditFile(facts, config.path, test, true);
  };
}

export function proxyKubeconfigAudit(test: FileTest): Audit {
  return (facts) => {
    const results = PROXY_KUBECONFIGS.map((path) => auditFile(facts, path, test, false));
    return results.every((r) => r.verdict === 'n/a')
      ? notApplicable('no kube-proxy kubeconfig on the host (kubeadm keeps it in the kube-proxy ConfigMap)')
      : combine(results.filter((r) => r.verdict !== 'n/a'));
  };
}

/** CIS v2.1.0 4.1.11: only when the kubelet runs with --config-dir. */
export const configDirAudit: Audit = (facts) => {
  const dir = facts.kubelet ? kubeletView(facts)?.configDir : undefined;
  if (dir === undefined) return notApplicable('the kubelet runs without --config-dir');
  if (dir.replace(/\/+$/, '') !== KUBELET_CONFIG_DIR) return unknown(`--config-dir=${dir} is not ${KUBELET_CONFIG_DIR}, the directory read`);
  const files = facts.globs.get(`${KUBELET_CONFIG_DIR}/*.conf`) ?? [];
  return combine([
    auditFile(facts, KUBELET_CONFIG_DIR, (f) => modeAtMost(0o755)(f) ?? rootOwned(f), true),
    ...files.map((path) => auditFile(facts, path, (f) => modeAtMost(0o644)(f) ?? rootOwned(f), true)),
  ]);
};

/** PERM-01: /var/lib/kubelet owned by root, no group or world write (never recursive). */
export const kubeletDataDirAudit: Audit = (facts) =>
  auditFile(facts, KUBELET_DATA_DIR, (f) => (f.owner !== 'root' ? `${f.path} is owned by ${f.owner}` : (Number.parseInt(f.mode, 8) & 0o022) !== 0 ? `${f.path} has mode ${f.mode}: group or world writable` : undefined), true);

/** PERM-02: the kubelet's private keys 0600 root:root. */
export const kubeletKeysAudit: Audit = (facts) => {
  const keys = facts.globs.get(KUBELET_PKI_KEYS) ?? [];
  if (keys.length === 0) return notApplicable(`no ${KUBELET_PKI_KEYS}`);
  return combine(keys.map((path) => auditFile(facts, path, (f) => modeAtMost(0o600)(f) ?? rootOwned(f), true)));
};

export const FILE_AUDIT_REQUESTS: readonly FactRequest[] = [
  ...KUBELET_UNITS.map(stat),
  ...KUBELET_DROPINS.map(glob),
  stat(KUBELET_KUBECONFIG),
  stat(CLIENT_CA),
  ...PROXY_KUBECONFIGS.map(stat),
  stat(KUBELET_CONFIG_DIR),
  glob(`${KUBELET_CONFIG_DIR}/*.conf`),
  stat(KUBELET_DATA_DIR),
  glob(KUBELET_PKI_KEYS),
];
