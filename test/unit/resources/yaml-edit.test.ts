import { describe, expect, it } from 'vitest';
import { editYaml } from '../../../src/resources/yaml-edit.ts';

const kubeadm = `apiVersion: kubelet.config.k8s.io/v1beta1
# anonymous access stays until the dashboards move
authentication:
  anonymous:
    enabled: true
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
kind: KubeletConfiguration
readOnlyPort: 10255 # legacy scrapers
`;

describe('editYaml', () => {
  it('returns the text byte for byte when nothing changes', () => {
    const result = editYaml(kubeadm, [{ key: 'cgroupDriver', value: 'systemd' }, { key: 'authentication.anonymous.enabled', value: true }]);
    expect(result).toMatchObject({ ok: true, text: kubeadm, changes: [] });
  });

  it('changes only the lines of the keys it sets, keeping comments, order and sequence style', () => {
    const result = editYaml(kubeadm, [{ key: 'authentication.anonymous.enabled', value: false }, { key: 'readOnlyPort', value: 0 }]);
    if (!result.ok) throw new Error(result.error);
    expect(result.text).toBe(kubeadm.replace('enabled: true', 'enabled: false').replace('readOnlyPort: 10255', 'readOnlyPort: 0'));
  });

  it('inserts a new key where it sorts in a sorted map, and nested maps as needed', () => {
    const result = editYaml(kubeadm, [{ key: 'podPidsLimit', value: 4096 }, { key: 'authentication.webhook.enabled', value: true }]);
    if (!result.ok) throw new Error(result.error);
    expect(result.text).toContain('kind: KubeletConfiguration\npodPidsLimit: 4096\nreadOnlyPort');
    expect(result.text).toContain('  anonymous:\n    enabled: true\n  webhook:\n    enabled: true\n');
    expect(result.changes.map((c) => c.key)).toEqual(['podPidsLimit', 'authentication.webhook.enabled']);
  });

  it('replaces a whole map value and removes keys', () => {
    const result = editYaml('evictionHard:\n  memory.available: 100Mi\nkind: KubeletConfiguration\nx: 1\n', [
      { key: 'evictionHard', value: { 'memory.available': '200Mi', 'nodefs.available': '10%' } },
      { key: 'x', value: undefined },
    ]);
    if (!result.ok) throw new Error(result.error);
    expect(result.text).toBe('evictionHard:\n  memory.available: 200Mi\n  nodefs.available: 10%\nkind: KubeletConfiguration\n');
  });

  it('reports YAML errors with their position instead of rewriting', () => {
    const result = editYaml('a: [1\n', [{ key: 'a', value: 2 }]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/line \d+, column \d+/);
  });
});
