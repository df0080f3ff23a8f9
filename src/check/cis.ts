import { BENCHMARK_IDS, type BenchmarkId } from '../config/benchmark-ids.ts';
import { configDirAudit, clientCaAudit, kubeletConfigFileAudit, kubeletKubeconfigAudit, kubeletUnitAudit, modeAtMost, proxyKubeconfigAudit, rootOwned } from './audits/files.ts';
import {
  authorizationMode,
  cipherSuites,
  eventQps,
  explicitly,
  ipAddressDenyAny,
  kubeletSetting,
  mustBe,
  noHostnameOverride,
  nonEmptyPath,
  podPidsLimit,
  readOnlyPort,
  rotateServerCertificatesGate,
  servingCertificate,
  streamingTimeout,
  STRONG_CIPHERS,
  STRONG_CIPHERS_UNTIL_1_11,
} from './audits/kubelet-settings.ts';
import { unknown } from './audits/result.ts';
import type { Audit, CheckDef } from './types.ts';

/** What differs between the benchmark versions besides which checks exist (kube-bench's cfg/cis-X/node.yaml). */
interface VersionParams {
  /** 4.1.7: the client CA's mode. */
  readonly caMode: number;
  /** 4.2.12: the cipher suites allowed. */
  readonly ciphers: readonly string[];
  /** 4.2.4's wording changed in 1.11. */
  readonly readOnlyTitle: string;
}

const UNTIL_1_10: VersionParams = { caMode: 0o600, ciphers: STRONG_CIPHERS_UNTIL_1_11, readOnlyTitle: '--read-only-port is 0' };
const PARAMS: Readonly<Record<BenchmarkId, VersionParams>> = {
  'cis-1.9': UNTIL_1_10,
  'cis-1.10': UNTIL_1_10,
  'cis-1.11': { caMode: 0o644, ciphers: STRONG_CIPHERS_UNTIL_1_11, readOnlyTitle: '--read-only-port is 0 (if defined)' },
  'cis-1.12': { caMode: 0o644, ciphers: STRONG_CIPHERS, readOnlyTitle: '--read-only-port is 0 (if defined)' },
};

interface Extra {
  /** The versions that have the check (default: every one). */
  readonly in?: readonly BenchmarkId[];
  readonly concerns?: readonly string[];
  readonly kubeBench?: string;
}

function cis(id: string, assessment: CheckDef['assessment'], title: string, audit: Audit, remediation: string, extra: Extra = {}): CheckDef & { readonly in: readonly BenchmarkId[] } {
  return { id, title, source: 'cis', assessment, requests: [], audit, remediation, concerns: extra.concerns, kubeBench: extra.kubeBench, in: extra.in ?? BENCHMARK_IDS };
}

const RESTART = 'then restart the kubelet';
const MODE = ['mode'];
const OWNER = ['owner', 'group'];
const octal = (mode: number): string => mode.toString(8);

// Where kube-bench's definitions decide these checks differently from nodeward (README: "nodeward and kube-bench")
const KB_UNIT_FILES = "audits the first of its candidate service files that exists (kubeadm's drop-in 10-kubeadm.conf); nodeward audits the kubelet unit and every drop-in";
const KB_PROXY =
  'reports WARN where the host has no kube-proxy kubeconfig (kubeadm keeps it in the kube-proxy ConfigMap): its audit then prints nothing, which its test cannot pass; nodeward: N/A, there is nothing to audit';
const KB_CA = 'takes the CA from --client-ca-file, else the first of its candidate files; nodeward also reads authentication.x509.clientCAFile from the config file the kubelet runs with';

/**
 * The CIS Kubernetes Benchmark worker node checks of one version, as kube-bench's definitions of
 * that version hold them (4.1.11 from CIS v2.1.0 in every version: only where --config-dir is used).
 * Audited from the facts: the kubelet's own command line and --config, flags over the file.
 */
export function cisChecks(benchmark: BenchmarkId): CheckDef[] {
  const p = PARAMS[benchmark];
  const all = [
    cis('4.1.1', 'automated', 'kubelet service file permissions are 600 or more restrictive', kubeletUnitAudit(modeAtMost(0o600)), 'chmod 600 the kubelet unit and every drop-in in kubelet.service.d', { concerns: MODE, kubeBench: KB_UNIT_FILES }),
    cis('4.1.2', 'automated', 'kubelet service file ownership is root:root', kubeletUnitAudit(rootOwned), 'chown root:root the kubelet unit and its drop-ins', { concerns: OWNER, kubeBench: KB_UNIT_FILES }),
    cis('4.1.3', 'manual', 'proxy kubeconfig file permissions are 600 or more restrictive (if it exists)', proxyKubeconfigAudit(modeAtMost(0o600)), 'chmod 600 the kube-proxy kubeconfig', { concerns: MODE, kubeBench: KB_PROXY }),
    cis('4.1.4', 'manual', 'proxy kubeconfig file ownership is root:root (if it exists)', proxyKubeconfigAudit(rootOwned), 'chown root:root the kube-proxy kubeconfig', { concerns: OWNER, kubeBench: KB_PROXY }),
    cis('4.1.5', 'automated', 'kubelet.conf permissions are 600 or more restrictive', kubeletKubeconfigAudit(modeAtMost(0o600)), 'chmod 600 /etc/kubernetes/kubelet.conf', { concerns: MODE }),
    cis('4.1.6', 'automated', 'kubelet.conf ownership is root:root', kubeletKubeconfigAudit(rootOwned), 'chown root:root /etc/kubernetes/kubelet.conf', { concerns: OWNER }),
    cis('4.1.7', 'manual', `certificate authorities file permissions are ${octal(p.caMode)} or more restrictive`, clientCaAudit(modeAtMost(p.caMode)), `chmod ${octal(p.caMode)} the client CA file`, { concerns: MODE, kubeBench: KB_CA }),
    cis('4.1.8', 'manual', 'client certificate authorities file ownership is root:root', clientCaAudit(rootOwned), 'chown root:root the client CA file', { concerns: OWNER, kubeBench: KB_CA }),
    cis('4.1.9', 'automated', 'kubelet --config file permissions are 600 or more restrictive', kubeletConfigFileAudit(modeAtMost(0o600)), 'chmod 600 the kubelet config file', { concerns: MODE }),
    cis('4.1.10', 'automated', 'kubelet --config file ownership is root:root', kubeletConfigFileAudit(rootOwned), 'chown root:root the kubelet config file', { concerns: OWNER }),
    cis('4.1.11', 'automated', 'kubelet --config-dir is root:root 755 and its files 644 (if used; CIS v2.1.0)', configDirAudit, 'chown root:root the drop-in directory and files; chmod 755 it, 644 its files', {
      kubeBench: "not in kube-bench's definitions (it is CIS v2.1.0's)",
    }),
    cis('4.2.1', 'automated', '--anonymous-auth is false', kubeletSetting('anonymous-auth', 'authentication.anonymous.enabled', explicitly(mustBe(false, false))), `set authentication.anonymous.enabled: false, ${RESTART}`, { concerns: ['authentication.anonymous.enabled'] }),
    cis('4.2.2', 'automated', '--authorization-mode is not AlwaysAllow', kubeletSetting('authorization-mode', 'authorization.mode', explicitly(authorizationMode)), `set authorization.mode: Webhook, ${RESTART}`, { concerns: ['authorization.mode'] }),
    cis('4.2.3', 'automated', '--client-ca-file is set', kubeletSetting('client-ca-file', 'authentication.x509.clientCAFile', explicitly(nonEmptyPath)), `set authentication.x509.clientCAFile, ${RESTART}`, { concerns: ['authentication.x509.clientCAFile'] }),
    cis('4.2.4', 'manual', p.readOnlyTitle, kubeletSetting('read-only-port', 'readOnlyPort', readOnlyPort, "the config file's default is 0"), `set readOnlyPort: 0 and remove --read-only-port from the kubelet flags, ${RESTART}`, { concerns: ['readOnlyPort'] }),
    cis('4.2.5', 'manual', '--streaming-connection-idle-timeout is not 0', streamingTimeout, `set streamingConnectionIdleTimeout: 5m0s (not 0 on the command line), ${RESTART}`, {
      concerns: ['streamingConnectionIdleTimeout'],
      kubeBench: 'compares the text with "0": it passes --streaming-connection-idle-timeout=0s on the command line, which turns the timeout off; nodeward does not',
    }),
    cis('4.2.6', 'automated', '--make-iptables-util-chains is true', kubeletSetting('make-iptables-util-chains', 'makeIPTablesUtilChains', mustBe(true, false), 'true by default'), `set makeIPTablesUtilChains: true, ${RESTART}`, { concerns: ['makeIPTablesUtilChains'] }),
    cis('4.2.7', 'manual', '--hostname-override is not set', noHostnameOverride, 'remove --hostname-override from KUBELET_EXTRA_ARGS / kubeadm-flags.env by hand: the Node re-registers under a new name, so nodeward never does it'),
    cis('4.2.8', 'manual', 'eventRecordQPS is set to a level that ensures event capture', kubeletSetting('event-qps', 'eventRecordQPS', eventQps, '50 by default'), `set eventRecordQPS (e.g. 50), ${RESTART}`, { concerns: ['eventRecordQPS'] }),
    cis('4.2.9', 'manual', '--tls-cert-file and --tls-private-key-file are set', servingCertificate, 'set tlsCertFile and tlsPrivateKeyFile, or serverTLSBootstrap: true with a CSR approver', {
      concerns: ['tlsCertFile', 'tlsPrivateKeyFile', 'serverTLSBootstrap'],
      kubeBench: 'wants tlsCertFile and tlsPrivateKeyFile; nodeward also passes serverTLSBootstrap: true, whose serving certificate the cluster signs',
    }),
    cis('4.2.10', 'automated', '--rotate-certificates is not false', kubeletSetting('rotate-certificates', 'rotateCertificates', mustBe(true, false), 'CIS passes an unset key; the kubelet then does not rotate its client certificate: KCFG-10'), `set rotateCertificates: true, ${RESTART}`, {
      concerns: ['rotateCertificates'],
    }),
    cis('4.2.11', 'manual', 'RotateKubeletServerCertificate is true', rotateServerCertificatesGate, 'remove RotateKubeletServerCertificate=false from the feature gates', { concerns: ['featureGates.RotateKubeletServerCertificate'] }),
    cis('4.2.12', 'manual', 'the kubelet only uses strong cryptographic ciphers', kubeletSetting('tls-cipher-suites', 'tlsCipherSuites', cipherSuites(p.ciphers)), `set tlsCipherSuites to ${p.ciphers.length === STRONG_CIPHERS.length ? 'the six ECDHE AEAD suites' : 'the ECDHE AEAD suites (and the two RSA GCM ones this version allows)'}, ${RESTART}`, {
      concerns: ['tlsCipherSuites'],
    }),
    cis('4.2.13', 'manual', 'a limit is set on pod PIDs', kubeletSetting('pod-max-pids', 'podPidsLimit', podPidsLimit), `set podPidsLimit (e.g. 4096), ${RESTART}`, {
      concerns: ['podPidsLimit'],
      kubeBench: 'only checks that podPidsLimit is present: it passes -1, which is no limit; nodeward does not',
    }),
    cis('4.2.14', 'manual', 'the seccomp profile is RuntimeDefault by default (seccompDefault)', kubeletSetting('seccomp-default', 'seccompDefault', mustBe(true, true)), `set seccompDefault: true, ${RESTART}`, {
      in: ['cis-1.11', 'cis-1.12'],
      concerns: ['seccompDefault'],
      kubeBench: "only checks that seccompDefault is present: it passes false; nodeward asks for true, as the check's title does",
    }),
    cis('4.2.15', 'manual', 'IPAddressDeny is set to any (the kubelet unit)', ipAddressDenyAny, 'add IPAddressDeny=any and an IPAddressAllow= of every peer (API server, CNI, probes, scrapers) to a kubelet.service drop-in: a short allow-list cuts the kubelet off, so nodeward leaves it to you', {
      in: ['cis-1.11'],
      kubeBench: 'looks for an --IPAddressDeny flag or config key, which no kubelet has, and warns on every node; nodeward reads the systemd directive of kubelet.service (cis-1.12 dropped the check)',
    }),
    cis(
      '4.3.1',
      'automated',
      'kube-proxy metrics service is bound to localhost',
      () => unknown("kube-proxy's configuration is not on the node (kubeadm keeps it in the kube-system/kube-proxy ConfigMap): audit metricsBindAddress through the API"),
      'leave metricsBindAddress empty or 127.0.0.1:10249 in the kube-proxy ConfigMap and roll the DaemonSet',
      {
        kubeBench:
          "FAILs it where no kube-proxy process runs on the host (its `ps -fC` audit exits 1) and passes it where kube-proxy's command line has no --metrics-bind-address; the setting lives in the ConfigMap: nodeward WARNs, undecided",
      },
    ),
  ];
  return all.filter((def) => def.in.includes(benchmark)).map(({ in: _, ...def }) => def);
}
