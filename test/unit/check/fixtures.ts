import type { Condition, ResourceEntry } from '../../../src/config/playbook-types.ts';
import type { HostSpec } from '../../../src/config/types.ts';
import { resourceSchemas, type ResourceSpec } from '../../../src/spec/schemas.ts';

export function host(name = 'node-1'): HostSpec {
  return { name, address: '198.19.0.11', port: 22, user: 'ops', identityFile: undefined, become: 'sudo', labels: {}, groups: [], vars: {} };
}

export function entry(id: string, kind: keyof typeof resourceSchemas, spec: unknown, checks: string[], when?: Condition): ResourceEntry {
  return {
    id,
    name: id.split('/')[1] ?? id,
    checks,
    note: undefined,
    when,
    resource: { kind, spec: resourceSchemas[kind].parse(spec) } as ResourceSpec,
    source: { file: 'test.yaml', line: 1, column: 1 },
  };
}

export const KUBELET_ARGS = ['/usr/bin/kubelet', '--kubeconfig=/etc/kubernetes/kubelet.conf', '--config=/var/lib/kubelet/config.yaml'];

/** A kubeadm-like config with every CIS key set securely; `extra` lines are appended. */
export function kubeletConfig(extra: Record<string, string> = {}, drop: string[] = []): string {
  const keys: Record<string, string> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: '\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt',
    authorization: '\n  mode: Webhook',
    readOnlyPort: '0',
    streamingConnectionIdleTimeout: '5m0s',
    makeIPTablesUtilChains: 'true',
    eventRecordQPS: '50',
    rotateCertificates: 'true',
    tlsCertFile: '/var/lib/kubelet/pki/kubelet.crt',
    tlsPrivateKeyFile: '/var/lib/kubelet/pki/kubelet.key',
    tlsCipherSuites: '[TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]',
    podPidsLimit: '4096',
    seccompDefault: 'true',
    cgroupDriver: 'systemd',
    ...extra,
  };
  return Object.entries(keys)
    .filter(([key]) => !drop.includes(key))
    .map(([key, value]) => `${key}:${value.startsWith('\n') ? '' : ' '}${value}`)
    .join('\n') + '\n';
}
