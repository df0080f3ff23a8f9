import { copyFile, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labFault, labHeal, labReset } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { nodeSnapshot, nodeward, onNode } from './nodeward.ts';

// Issue 12: what plan shows is what apply does, a one-key patch touches one key, rollback is as
// safe as apply, and exit codes do not hide a finding.
const lab = testLab();
const inventory = lab.info.files.inventory;
const [n1 = 'node-1', n2 = 'node-2', n3 = 'node-3', n4 = 'node-4', n5 = 'node-5'] = lab.info.nodes.map((n) => n.name);
const FILE = '/etc/sysctl.d/99-k8s-hardening.conf';

interface Outcome {
  name: string;
  status: string;
  reason: string | null;
}

async function playbook(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nw-12-'));
  await writeFile(join(dir, `${name}.yaml`), text);
  return join(dir, `${name}.yaml`);
}

describe('plan is what apply does; a one-key patch touches one key; rollback is as safe as apply (lab)', () => {
  beforeAll(async () => {
    await labHeal();
    await labReset();
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
  });

  it('plan runs the guards: a node apply would refuse is shown refused, with the guard, what causes it and what to do; plan exits 1; a saved plan refuses it without contacting it again', async () => {
    // the seeded kernel tunables are off: the kubelet playbook's protectKernelDefaults would stop the kubelet
    const json = await nodeward(['plan', '-i', inventory, 'kubelet', '--limit', n1, '--json']);
    expect(json.code, json.stderr).toBe(1);
    const plan = JSON.parse(json.stdout) as { summary: Record<string, number>; nodes: { status: string; refusal: { guard: string; message: string; fix: string }[] }[] };
    expect(plan.summary).toMatchObject({ refused: 1, changes: 0 });
    expect(plan.nodes[0]?.status).toBe('refused');
    expect(plan.nodes[0]?.refusal[0]).toMatchObject({ guard: 'protect-kernel-defaults', message: expect.stringMatching(/\(entry kubelet\/[a-z-]+\) would stop the kubelet/), fix: expect.stringMatching(/nodeward apply kubelet kernel/) });
    const human = await nodeward(['plan', '-i', inventory, 'kubelet', '--limit', n1, '--no-diff']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/apply would refuse it/);
    expect(human.stdout).toMatch(/to apply it: set the kernel playbook's six tunables first/);
    expect(human.stdout).toMatch(/^Plan: 1 node, \d+ changes?, \d+ restarts?; 0 with changes, 0 in sync, 1 refused, 0 locked, 0 errors$/m);

    const dir = await mkdtemp(join(tmpdir(), 'nw-12-plan-'));
    const saved = join(dir, 'plan.json');
    expect((await nodeward(['plan', '-i', inventory, 'kubelet', '--limit', n1, '--out', saved])).code).toBe(1);
    const stats = join(dir, 'stats.jsonl');
    const before = await nodeSnapshot(n1);
    const apply = await nodeward(['apply', '--plan', saved, '-i', inventory, '--json', '--connection-stats', stats]);
    expect(apply.code).toBe(1);
    expect((JSON.parse(apply.stdout) as { nodes: Outcome[] }).nodes[0]).toMatchObject({ status: 'refused', reason: expect.stringMatching(/protect-kernel-defaults: .* \(to apply it: /) });
    // not contacted again for nothing: no connection was made at all
    await expect(stat(stats)).rejects.toThrow();
    expect(await nodeSnapshot(n1)).toBe(before);
  });

  it('a one-key sysctl patch after the kernel playbook sets its key and keeps every other line; it is applied, not refused', async () => {
    const kernel = await nodeward(['apply', '-i', inventory, 'kernel', '--yes', '--json', '--limit', n2]);
    expect(kernel.code, kernel.stderr).toBe(0);
    const file = await onNode(n2, `cat ${FILE}`);
    expect(file.split('\n').filter((l) => l.includes(' = ')).length).toBeGreaterThan(10);
    const patch = await playbook('patch', 'name: patch\nresources:\n  - name: icmp-broadcasts\n    sysctl: { values: { net.ipv4.icmp_echo_ignore_broadcasts: 1 } }\n');
    await onNode(n2, 'sysctl -w net.ipv4.icmp_echo_ignore_broadcasts=0 >/dev/null');
    const planned = await nodeward(['plan', '-i', inventory, patch, '--limit', n2, '--json']);
    expect(planned.code, planned.stdout).toBe(2);
    const changes = (JSON.parse(planned.stdout) as { nodes: { status: string; changes: { resource: string; summary: string[]; diff: string | null }[] }[] }).nodes[0];
    expect(changes?.status).toBe('changes');
    const persisted = changes?.changes.find((c) => c.resource === 'sysctlFile');
    expect(persisted?.summary[0]).toBe('net.ipv4.icmp_echo_ignore_broadcasts = 1 added');
    expect(persisted?.summary[1]).toMatch(/^\d+ other line\(s\) kept$/);
    expect(persisted?.diff).not.toMatch(/^-net/m);
    const applied = await nodeward(['apply', '-i', inventory, patch, '--yes', '--json', '--limit', n2]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await onNode(n2, `cat ${FILE}`)).toBe(`${file}net.ipv4.icmp_echo_ignore_broadcasts = 1\n`);
  });

  it('rollback shows what it restores and asks; refuses without a terminal unless --yes and another inventory than its own; a second one says already rolled back; runs lists and shows the run', async () => {
    const before = await nodeSnapshot(n3);
    const applied = await nodeward(['apply', '-i', inventory, 'kernel', '--yes', '--json', '--limit', n3]);
    expect(applied.code, applied.stderr).toBe(0);
    const runId = (JSON.parse(applied.stdout) as { runId: string }).runId;

    const unattended = await nodeward(['rollback', runId, '-i', inventory]);
    expect(unattended.code).toBe(1);
    expect(unattended.stderr).toMatch(/refusing to roll back without a terminal to confirm on: pass --yes/);
    expect(await nodeSnapshot(n3)).not.toBe(before);

    const other = join(await mkdtemp(join(tmpdir(), 'nw-12-inv-')), 'inventory.yaml');
    await copyFile(inventory, other);
    const elsewhere = await nodeward(['rollback', runId, '-i', other, '--yes']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(`run ${runId} was recorded for the inventory ${inventory}, not ${other}`);

    const undo = await nodeward(['rollback', runId, '-i', inventory, '--yes']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(new RegExp(`Rollback of run ${runId}:`));
    expect(undo.stdout).toMatch(new RegExp(`${n3}  \\d+ item\\(s\\) to put back`));
    expect(undo.stdout).toMatch(/sysctls: net\.ipv4/);
    expect(undo.stdout).toMatch(new RegExp(`${n3}\\s+rolled-back\\s+0 \\(\\d+ undone\\)`));
    expect(await nodeSnapshot(n3)).toBe(before);

    const again = await nodeward(['rollback', runId, '-i', inventory, '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { nodes: Outcome[] }).nodes[0]).toMatchObject({ status: 'in-sync', reason: expect.stringMatching(/already rolled back \(at \d{4}-\d\d-\d\dT/) });

    const runs = await nodeward(['runs', '-i', inventory, '--since', '1h']);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/RUN\s+COMMAND\s+INVENTORY\s+STARTED\s+OPERATOR\s+NODES\s+OUTCOME/);
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+apply\\s+${inventory.replaceAll('/', '\\/')}\\s+\\S+\\s+\\S+\\s+1\\s+1 applied`));
    expect((await nodeward(['runs', '-i', other])).stdout).toMatch(/no runs recorded that match/);
    const show = await nodeward(['runs', 'show', runId]);
    expect(show.stdout).toMatch(/ROLLBACK WOULD RESTORE/);
    expect(show.stdout).toMatch(new RegExp(`${n3}\\s+applied\\s+\\d+`));
  });

  it('drift that finds drift and an unreachable node exits 6 (--exit-on drift: 2); a hand edit of the sshd drop-in shows the diff plan shows, charged to the one rule it concerns', async () => {
    const applied = await nodeward(['apply', '-i', inventory, 'sshd', '--yes', '--json', '--limit', n4]);
    expect(applied.code, applied.stderr).toBe(0);
    // appended after nodeward's own line: sshd keeps the first value, so only the file drifts
    await onNode(n4, "echo 'PermitRootLogin yes' >> /etc/ssh/sshd_config.d/00-nodeward.conf");
    await labFault('sshd-down', n5);
    try {
      const state = await mkdtemp(join(tmpdir(), 'nw-12-drift-'));
      const drift = await nodeward(['drift', '-i', inventory, 'sshd', '--limit', `${n4},${n5}`, '--format', 'json', '--state-dir', state]);
      expect(drift.code, drift.stderr).toBe(6);
      const report = JSON.parse(drift.stdout) as { nodes: { name: string; status: string; items: { rules: string[]; summary: string[]; diff?: string }[] }[] };
      const item = report.nodes.find((n) => n.name === n4)?.items[0];
      expect(item?.summary).toEqual(['"PermitRootLogin yes" is in the drop-in but not nodeward\'s: removed']);
      expect(item?.rules).toEqual(['sshd/root-login']);
      expect(item?.diff).toMatch(/^-PermitRootLogin yes$/m);
      expect(report.nodes.find((n) => n.name === n5)?.status).toBe('unreachable');
      const table = await nodeward(['drift', '-i', inventory, 'sshd', '--limit', `${n4},${n5}`, '--state-dir', state, '--exit-on', 'drift']);
      expect(table.code).toBe(2);
      expect(table.stdout).toMatch(/^\s+-PermitRootLogin yes$/m);
      const plan = await nodeward(['plan', '-i', inventory, 'sshd', '--limit', n4]);
      expect(plan.stdout).toMatch(/^\s+-PermitRootLogin yes$/m);
    } finally {
      await labHeal('sshd-down', n5);
    }
  });
});
