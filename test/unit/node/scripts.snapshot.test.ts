import { describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDS } from '../../../src/apply/bounds.ts';
import { confirmScript, revertStateScript } from '../../../src/apply/scripts/arm.ts';
import { lockScript, unlockScript } from '../../../src/apply/scripts/lock.ts';
import { inspectRunScript } from '../../../src/apply/scripts/recover.ts';
import { rollbackPreviewScript } from '../../../src/apply/scripts/rollback-preview.ts';
import { rollbackScript } from '../../../src/apply/scripts/rollback.ts';
import { probeScript } from '../../../src/health/probe.ts';
import { restartScript, settleScript, unitDiagnosisScript } from '../../../src/apply/scripts/services.ts';
import { writeScript } from '../../../src/apply/scripts/write.ts';
import { buildFactsScript } from '../../../src/facts/script.ts';
import type { FactRequest } from '../../../src/facts/types.ts';
import type { Operation } from '../../../src/plan/types.ts';
import { supervisedScript } from '../../../src/transport/node-jobs.ts';
import { sh, type Script } from '../../../src/node/sh.ts';

/**
 * What runs as root on a node, every script nodeward sends, as text: a change to any of them shows
 * in review as a change of these snapshots (`npx vitest run -u` after reading the diff). Random
 * here-document delimiters are replaced by a fixed word; everything else is byte for byte.
 */
const STATE = '/var/lib/nodeward';
const RUN = '20261203T120000Z-abcdef';
const b64 = (text: string): string => Buffer.from(text).toString('base64');

function stable(script: Script): string {
  return script.text.replace(/NW_(EOF|JOB)_[0-9a-f]{16}/g, 'NW_$1_DELIMITER');
}

/** One fact request of every kind. */
const REQUESTS: FactRequest[] = [
  { kind: 'file', path: '/var/lib/kubelet/config.yaml', content: true, follow: false, sensitive: false },
  { kind: 'file', path: '/etc/kubernetes/pki/ca.crt', content: false, follow: true, sensitive: true },
  { kind: 'kubelet' },
  { kind: 'glob', pattern: '/etc/systemd/system/kubelet.service.d/*.conf' },
  { kind: 'sysctl', key: 'net.ipv4.ip_forward' },
  { kind: 'sysctl', key: 'kernel.panic' },
  { kind: 'sysctlFiles' },
  { kind: 'unit', name: 'kubelet' },
  { kind: 'unit', name: 'telnet.socket' },
  { kind: 'os' },
  { kind: 'lock', path: `${STATE}/lock` },
  { kind: 'pendingRuns', stateDir: STATE },
  { kind: 'sshd' },
  { kind: 'login' },
  { kind: 'audit' },
  { kind: 'nftTable', family: 'inet', table: 'nodeward', record: `${STATE}/firewall-inet-nodeward` },
  { kind: 'package', name: 'containerd.io' },
  { kind: 'kubeletVersion' },
];

/** One operation of every kind, as a write script receives them. */
const OPERATIONS: Operation[] = [
  { op: 'sysctl', key: 'net.ipv4.conf.all.accept_redirects', value: '0' },
  { op: 'package', manager: 'apt', name: 'containerd.io', version: '1.7.22-1', refresh: true },
  { op: 'writeFile', path: '/etc/sysctl.d/99-k8s-hardening.conf', content: b64('net.ipv4.conf.all.accept_redirects = 0\n'), mode: '0644', owner: 'root', group: 'root' },
  { op: 'writeFile', path: '/etc/containerd/config.toml', content: b64('version = 2\n'), mode: undefined, owner: undefined, group: undefined, validate: ['containerd', '--config', '%s', 'config', 'dump'] },
  { op: 'writeFile', path: '/etc/systemd/system/kubelet.service.d/10-nodeward.conf', content: b64('[Service]\n'), mode: '0644', owner: 'root', group: 'root' },
  { op: 'deleteFile', path: '/etc/kubernetes/old.conf' },
  { op: 'chmod', path: '/etc/kubernetes/kubelet.conf', mode: '0600' },
  { op: 'chown', path: '/etc/kubernetes/kubelet.conf', owner: 'root', group: 'root' },
  { op: 'unit', unit: 'vsftpd.service', enablement: 'disable', activity: 'stop' },
  { op: 'unit', unit: 'telnet.socket', enablement: 'mask', activity: 'stop' },
  { op: 'unit', unit: 'auditd.service', enablement: 'enable', activity: 'start' },
  { op: 'auditLoad', expect: ['-w /etc/kubernetes -p wa -k k8s_config'] },
  { op: 'sshdReload', unit: 'ssh', expect: ['x11forwarding no'] },
  { op: 'nftLoad', path: '/etc/nodeward/firewall.nft', family: 'inet', table: 'nodeward', record: `${STATE}/firewall-inet-nodeward` },
  { op: 'confirm', seconds: 90 },
] as Operation[];

describe('every script nodeward sends to a node', () => {
  it.each([
    ['facts', () => buildFactsScript(REQUESTS, 'NWB0123456789abcdef')],
    ['lock', () => lockScript({ stateDir: STATE, runId: RUN, owner: 'ops@ctl', pid: 4242, command: 'nodeward apply -i inventory.yaml', ttlSeconds: 900, controller: 'boot/4026531836/4242/12345', takeOverFrom: ['20261202T120000Z-123456'] })],
    ['lock-with-facts', () => lockScript({ stateDir: STATE, runId: RUN, owner: 'ops@ctl', pid: 4242, command: 'nodeward apply -i inventory.yaml', ttlSeconds: 900, controller: 'boot/4026531836/4242/12345', facts: { script: buildFactsScript(REQUESTS.slice(0, 1), 'NWB0123456789abcdef'), token: 'NWBfedcba9876543210' } })],
    ['unlock', () => unlockScript(STATE, RUN)],
    ['write', () => writeScript({ stateDir: STATE, runId: RUN, operations: OPERATIONS, owedRestarts: ['containerd', 'kubelet'], bounds: DEFAULT_BOUNDS })],
    ['rollback', () => rollbackScript({ stateDir: STATE, runId: RUN, verifyUnchanged: false, bounds: DEFAULT_BOUNDS })],
    ['rollback-verified', () => rollbackScript({ stateDir: STATE, runId: RUN, verifyUnchanged: true, bounds: DEFAULT_BOUNDS, restartsIfUnrecorded: ['kubelet'] })],
    ['rollback-preview', () => rollbackPreviewScript(STATE, RUN)],
    ['inspect', () => inspectRunScript(STATE, RUN, 60)],
    ['restart', () => restartScript(STATE, RUN, 'kubelet', DEFAULT_BOUNDS)],
    ['settle', () => settleScript(STATE, RUN, ['kubelet'], 'done')],
    ['probe', () => probeScript({ units: ['containerd', 'kubelet'], healthzUrl: 'http://127.0.0.1:10248/healthz' })],
    ['probe-waiting', () => probeScript({ units: ['containerd', 'kubelet'], healthzUrl: 'http://127.0.0.1:10248/healthz', wait: { seconds: 10, kubeletRestartsAtMost: 3 } })],
    ['diagnosis', () => unitDiagnosisScript('kubelet')],
    ['confirm', () => confirmScript(STATE, RUN)],
    ['revert-state', () => revertStateScript(STATE, RUN)],
    ['supervisor', () => supervisedScript(sh`echo "the script"\n`, { deadlineSeconds: 120, register: `${STATE}/jobs/${RUN}`, onAbandon: `${STATE}/runs/${RUN}/on-abandon` })],
  ])('%s', async (name, build) => {
    await expect(stable(build())).toMatchFileSnapshot(`__snapshots__/${name}.sh`);
  });
});
