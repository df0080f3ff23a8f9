import { configDirAudit, clientCaAudit, kubeletConfigFileAudit, kubeletKubeconfigAudit, kubeletUnitAudit, modeAtMost, proxyKubeconfigAudit, rootOwned } from './audits/files.ts';
import {
  authorizationMode,
  cipherSuites,
  eventQps,
  explicitly,
  kubeletSetting,
  mustBe,
  noHostnameOverride,
  nonEmptyPath,
  podPidsLimit,
  readOnlyPort,
  rotateServerCertificatesGate,
  servingCertificate,
  streamingTimeout,
} from './audits/kubelet-settings.ts';
import { unknown } from './audits/result.ts';
import type { Audit, CheckDef } from './types.ts';

function cis(id: string, assessment: CheckDef['assessment'], title: string, audit: Audit, remediation: string): CheckDef {
  return { id, title, source: 'cis', assessment, requests: [], audit, remediation };
}

const RESTART = 'then restart the kubelet';

/**
 * CIS Kubernetes Benchmark worker node checks (1.12 / 2.0; 4.1.11 from v2.1.0), audited stricter
 * than kube-bench: paths from the running kubelet, flags over the file, insecure defaults fail.
 */
export const CIS_CHECKS: readonly CheckDef[] = [
  cis('4.1.1', 'automated', 'kubelet service file permissions are 600 or more restrictive', kubeletUnitAudit(modeAtMost(0o600)), 'chmod 600 the kubelet unit and every drop-in in kubelet.service.d'),
  cis('4.1.2', 'automated', 'kubelet service file ownership is root:root', kubeletUnitAudit(rootOwned), 'chown root:root the kubelet unit and its drop-ins'),
  cis('4.1.3', 'manual', 'proxy kubeconfig file permissions are 600 or more restrictive (if it exists)', proxyKubeconfigAudit(modeAtMost(0o600)), 'chmod 600 the kube-proxy kubeconfig'),
  cis('4.1.4', 'manual', 'proxy kubeconfig file ownership is root:root (if it exists)', proxyKubeconfigAudit(rootOwned), 'chown root:root the kube-proxy kubeconfig'),
  cis('4.1.5', 'automated', 'kubelet.conf permissions are 600 or more restrictive', kubeletKubeconfigAudit(modeAtMost(0o600)), 'chmod 600 /etc/kubernetes/kubelet.conf'),
  cis('4.1.6', 'automated', 'kubelet.conf ownership is root:root', kubeletKubeconfigAudit(rootOwned), 'chown root:root /etc/kubernetes/kubelet.conf'),
  cis('4.1.7', 'manual', 'certificate authorities file permissions are 644 or more restrictive', clientCaAudit(modeAtMost(0o644)), 'chmod 644 the client CA file'),
  cis('4.1.8', 'manual', 'client certificate authorities file ownership is root:root', clientCaAudit(rootOwned), 'chown root:root the client CA file'),
  cis('4.1.9', 'automated', 'kubelet --config file permissions are 600 or more restrictive', kubeletConfigFileAudit(modeAtMost(0o600)), 'chmod 600 the kubelet config file'),
  cis('4.1.10', 'automated', 'kubelet --config file ownership is root:root', kubeletConfigFileAudit(rootOwned), 'chown root:root the kubelet config file'),
  cis('4.1.11', 'automated', 'kubelet --config-dir is root:root 755 and its files 644 (if used)', configDirAudit, 'chown root:root the drop-in directory and files; chmod 755 it, 644 its files'),
  cis('4.2.1', 'automated', '--anonymous-auth is false', kubeletSetting('anonymous-auth', 'authentication.anonymous.enabled', explicitly(mustBe(false, false))), `set authentication.anonymous.enabled: false, ${RESTART}`),
  cis('4.2.2', 'automated', '--authorization-mode is not AlwaysAllow', kubeletSetting('authorization-mode', 'authorization.mode', explicitly(authorizationMode)), `set authorization.mode: Webhook, ${RESTART}`),
  cis('4.2.3', 'automated', '--client-ca-file is set', kubeletSetting('client-ca-file', 'authentication.x509.clientCAFile', explicitly(nonEmptyPath)), `set authentication.x509.clientCAFile, ${RESTART}`),
  cis('4.2.4', 'manual', '--read-only-port is 0 (if defined)', kubeletSetting('read-only-port', 'readOnlyPort', readOnlyPort), `set readOnlyPort: 0 and remove --read-only-port from the kubelet flags, ${RESTART}`),
  cis('4.2.5', 'manual', '--streaming-connection-idle-timeout is not 0', kubeletSetting('streaming-connection-idle-timeout', 'streamingConnectionIdleTimeout', streamingTimeout), `set streamingConnectionIdleTimeout: 5m0s, ${RESTART}`),
  cis('4.2.6', 'automated', '--make-iptables-util-chains is true', kubeletSetting('make-iptables-util-chains', 'makeIPTablesUtilChains', mustBe(true, false)), `set makeIPTablesUtilChains: true, ${RESTART}`),
  cis('4.2.7', 'manual', '--hostname-override is not set', noHostnameOverride, 'remove --hostname-override from KUBELET_EXTRA_ARGS / kubeadm-flags.env by hand: the Node re-registers under a new name, so nodeward never does it'),
  cis('4.2.8', 'manual', 'eventRecordQPS is set to a level that ensures event capture', kubeletSetting('event-qps', 'eventRecordQPS', eventQps), `set eventRecordQPS (e.g. 50), ${RESTART}`),
  cis('4.2.9', 'manual', '--tls-cert-file and --tls-private-key-file are set', servingCertificate, 'set tlsCertFile and tlsPrivateKeyFile, or serverTLSBootstrap: true with a CSR approver'),
  cis('4.2.10', 'automated', '--rotate-certificates is not false', kubeletSetting('rotate-certificates', 'rotateCertificates', mustBe(true, true)), `set rotateCertificates: true, ${RESTART}`),
  cis('4.2.11', 'manual', 'RotateKubeletServerCertificate is true', rotateServerCertificatesGate, 'remove RotateKubeletServerCertificate=false from the feature gates'),
  cis('4.2.12', 'manual', 'the kubelet only uses strong cryptographic ciphers', kubeletSetting('tls-cipher-suites', 'tlsCipherSuites', cipherSuites), `set tlsCipherSuites to the six ECDHE AEAD suites, ${RESTART}`),
  cis('4.2.13', 'manual', 'a limit is set on pod PIDs', kubeletSetting('pod-max-pids', 'podPidsLimit', podPidsLimit), `set podPidsLimit (e.g. 4096), ${RESTART}`),
  cis('4.2.14', 'manual', 'the seccomp profile is RuntimeDefault by default (seccompDefault)', kubeletSetting('seccomp-default', 'seccompDefault', mustBe(true, true)), `set seccompDefault: true, ${RESTART}`),
  cis(
    '4.3.1',
    'automated',
    'kube-proxy metrics service is bound to localhost',
    () => unknown("kube-proxy's configuration is not on the node (kubeadm keeps it in the kube-system/kube-proxy ConfigMap): audit metricsBindAddress through the API"),
    'leave metricsBindAddress empty or 127.0.0.1:10249 in the kube-proxy ConfigMap and roll the DaemonSet',
  ),
];
