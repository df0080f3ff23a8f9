import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { labFault, labHeal, labReset } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { nodeSnapshot, nodeward, onNode, tempFilesOn } from './nodeward.ts';

interface RolloutJson {
  runId: string | null;
  attempt: string | null;
  journal: string | null;
  stopped: string | null;
  nodes: { name: string; status: string; reason: string | null; restarted: string[]; changes: number }[];
}

interface Journal {
  command: string;
  operator: string;
  reason: string;
  options: { plan: string[][]; waves: string };
  attempts: { runId: string; reason: string; operator: string }[];
  nodes: Record<string, { status: string; runId?: string; restarted: string[] }>;
}

const lab = testLab();
const inventory = lab.info.files.inventory;
const names = lab.info.nodes.map((n) => n.name);
const [n1 = 'node-1', n2 = 'node-2', n3 = 'node-3', n4 = 'node-4'] = names;
// short gates and soaks keep the suite fast; the lab's kubelet restarts in about a second
const FAST = ['--health-timeout', '40', '--yes', '--json'];

async function kubeletStarts(node: string): Promise<number> {
  return Number((await onNode(node, 'journalctl -u kubelet --no-pager | grep -c "Kubelet version" || true')).trim());
}

async function readyNodes(): Promise<Record<string, string>> {
  const list = (await (await fetch(`${lab.info.apiserver.url}/api/v1/nodes`)).json()) as { items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[] };
  return Object.fromEntries(list.items.map((i) => [i.metadata.name, i.status.conditions.find((c) => c.type === 'Ready')?.status ?? '?']));
}

async function unschedulable(node: string): Promise<boolean> {
  return ((await (await fetch(`${lab.info.apiserver.url}/api/v1/nodes/${node}`)).json()) as { spec: { unschedulable?: boolean } }).spec.unschedulable === true;
}

async function runsOn(node: string): Promise<number> {
  return Number((await onNode(node, 'ls /var/lib/nodeward/runs 2>/dev/null | wc -l')).trim());
}

/** The patch: one kubelet setting (a restart per node), like a flag an incident asks for. */
async function patchPlaybook(qps = 7): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nw-rollout-'));
  const file = join(dir, 'patch.yaml');
  await writeFile(file, `name: patch\nresources:\n  - name: event-qps\n    kubeletConfig: { set: { eventRecordQPS: ${qps} } }\n`);
  return file;
}

const qpsOn = async (node: string): Promise<string> => (await onNode(node, 'grep -E "^eventRecordQPS:" /var/lib/kubelet/config.yaml || true')).trim();
const parse = (stdout: string): RolloutJson => JSON.parse(stdout) as RolloutJson;
const statusOf = (json: RolloutJson, node: string) => json.nodes.find((n) => n.name === node)?.status;
const journalOf = async (json: RolloutJson): Promise<Journal> => JSON.parse(await readFile(json.journal ?? '', 'utf8')) as Journal;

// Each test leaves the nodes as it found them (rolled back, or a setting no other test uses), so
// the lab is reset once, not before every test.
beforeAll(async () => {
  await labHeal();
  await labReset();
});

describe('nodeward rollout (lab)', () => {
  beforeEach(async () => {
    await labHeal();
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
  });

  it('rolls out canary first, then cumulative waves, every node applied and Ready; rollback RUN_ID undoes it', async () => {
    const file = await patchPlaybook();
    const before = await Promise.all(names.map(nodeSnapshot));
    const startsBefore = await Promise.all(names.map(kubeletStarts));
    const result = await nodeward(['rollout', '-i', inventory, file, '--reason', 'INC-1: event storm', '--waves', '1,10%,50%,100%', '--soak', '2', ...FAST]);
    expect(result.code, result.stderr).toBe(0);
    const json = parse(result.stdout);
    for (const name of names) expect(statusOf(json, name), name).toBe('applied');
    for (const name of names) expect(await qpsOn(name)).toBe('eventRecordQPS: 7');
    expect((await Promise.all(names.map(kubeletStarts))).map((n, i) => n - (startsBefore[i] ?? 0))).toEqual(names.map(() => 1));
    expect(Object.values(await readyNodes()).every((s) => s === 'True')).toBe(true);

    // canary, then the waves in order; each wave but the last soaked
    expect(result.stderr).toContain(`canary: ${n1} (1 node; 1/${names.length} once done)`);
    const waveLines = result.stderr.split('\n').filter((l) => /^(canary|wave \d+\/\d+):/.test(l));
    expect(waveLines[0]).toMatch(/^canary:/);
    expect(waveLines.at(-1)).toMatch(new RegExp(`${names.length}/${names.length} once done`));
    expect(result.stderr.split('\n').filter((l) => l.startsWith('soak: holding'))).toHaveLength(waveLines.length - 1);
    expect(result.stderr.indexOf(`${n1}: applied`)).toBeLessThan(result.stderr.indexOf(`${n2}: locking`));

    const journal = await journalOf(json);
    expect(journal).toMatchObject({ command: 'rollout', reason: 'INC-1: event storm', operator: expect.stringContaining('@') });
    expect(journal.attempts).toEqual([expect.objectContaining({ runId: json.runId, reason: 'INC-1: event storm' })]);
    expect(journal.options.plan[0]).toEqual([n1]);
    expect(journal.options.plan.flat()).toEqual(names);

    const undo = await nodeward(['rollback', json.runId ?? '', '-i', inventory, '--yes', '--batch', '100%', '--health-timeout', '40']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(await Promise.all(names.map(nodeSnapshot))).toEqual(before);
  });

  it('a canary that crash-loops its kubelet stops the line before wave 1 and is rolled back byte for byte, uncordoned; no other node is touched', async () => {
    const file = await patchPlaybook();
    const before = await Promise.all(names.map(nodeSnapshot));
    const startsBefore = await Promise.all(names.map(kubeletStarts));
    const runsBefore = await Promise.all(names.map(runsOn));
    await labFault('kubelet-crash', n1);
    let cordonedWhileRollingBack: Promise<boolean> | undefined;
    const result = await nodeward(['rollout', '-i', inventory, file, '--reason', 'INC-2', '--soak', '2', '--drain', '--drain-timeout', '20', ...FAST], {
      onStderr: (text) => {
        if (!cordonedWhileRollingBack && text.includes(`${n1}: ROLLING BACK`)) cordonedWhileRollingBack = unschedulable(n1);
      },
    });
    expect(result.code, result.stderr).toBe(3);
    const json = parse(result.stdout);
    expect(json.nodes.find((n) => n.name === n1)).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/kubelet/) });
    for (const name of names.slice(1)) expect(statusOf(json, name)).toBe('skipped');
    expect(json.stopped).toMatch(/canary did not take the patch/);
    expect(result.stderr).not.toMatch(/^wave 1\//m);

    expect(await Promise.all(names.map(nodeSnapshot))).toEqual(before);
    expect(await tempFilesOn(n1)).toBe('');
    expect(await onNode(n1, 'systemctl is-active kubelet')).toBe('active\n');
    await expect.poll(async () => (await readyNodes())[n1], { timeout: 20_000 }).toBe('True');
    const startsAfter = await Promise.all(names.map(kubeletStarts));
    expect(startsAfter.slice(1)).toEqual(startsBefore.slice(1));
    expect((await Promise.all(names.map(runsOn))).slice(1)).toEqual(runsBefore.slice(1));
    // drained for its change and its rollback, then given back its schedulability; no other node cordoned
    expect(await cordonedWhileRollingBack).toBe(true);
    expect(result.stderr).toContain(`${n1}: uncordoned`);
    for (const name of names) expect(await unschedulable(name), name).toBe(false);
    expect(result.stderr).not.toMatch(new RegExp(`^(?!${n1}:)\\S+: cordoning`, 'm'));
  });

  it('--resume after a SIGINT finishes the rollout without restarting the nodes already done', async () => {
    const file = await patchPlaybook(11);
    const result = await nodeward(['rollout', '-i', inventory, file, '--reason', 'INC-3', '--waves', '1,2,100%', '--soak', '5', ...FAST], {
      onStderr: (text, child) => {
        if (text.includes(`${n2}: applied`) && !child.killed) child.kill('SIGINT');
      },
    });
    expect(result.code, result.stderr).toBe(130);
    const first = parse(result.stdout);
    expect(statusOf(first, n1)).toBe('applied');
    expect(statusOf(first, n2)).toBe('applied');
    const rest = names.slice(2);
    for (const name of rest) expect(statusOf(first, name)).toBe('skipped');
    for (const name of rest) expect(await qpsOn(name)).not.toBe('eventRecordQPS: 11');

    const startsBefore = await Promise.all(names.map(kubeletStarts));
    const resumed = await nodeward(['rollout', '--resume', first.runId ?? '', '-i', inventory, ...FAST]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const second = parse(resumed.stdout);
    expect(second.runId).toBe(first.runId);
    expect(second.attempt).not.toBe(first.runId);
    expect(second.nodes.map((n) => n.name).sort()).toEqual([...rest].sort());
    for (const name of rest) expect(statusOf(second, name)).toBe('applied');
    expect(resumed.stderr).not.toMatch(new RegExp(`^${n1}: locking`, 'm'));

    const startsAfter = await Promise.all(names.map(kubeletStarts));
    expect(startsAfter.slice(0, 2)).toEqual(startsBefore.slice(0, 2));
    expect(startsAfter.slice(2).map((n, i) => n - (startsBefore[i + 2] ?? 0))).toEqual(rest.map(() => 1));
    for (const name of names) expect(await qpsOn(name)).toBe('eventRecordQPS: 11');

    const journal = await journalOf(second);
    expect(journal.attempts.map((a) => a.runId)).toEqual([first.runId, second.attempt]);
    expect(journal.nodes[n1]).toMatchObject({ status: 'applied', runId: first.runId });
    expect(journal.nodes[n3 ?? '']).toMatchObject({ status: 'applied', runId: second.attempt });

    const again = await nodeward(['rollout', '--resume', first.runId ?? '', '-i', inventory, ...FAST]);
    expect(again.code, again.stderr).toBe(0);
    expect(parse(again.stdout).nodes).toEqual([]);

    // the whole rollout, both attempts, is undone by its one run id
    const undo = await nodeward(['rollback', first.runId ?? '', '-i', inventory, '--yes', '--batch', '100%', '--health-timeout', '40']);
    expect(undo.code, undo.stderr).toBe(0);
    for (const name of names) expect(await qpsOn(name)).not.toBe('eventRecordQPS: 11');
  });

  it('a node that goes NotReady while its wave soaks is rolled back and stops the line', async () => {
    const file = await patchPlaybook(17);
    const before = await nodeSnapshot(n1);
    let stopped: Promise<string> | undefined;
    const result = await nodeward(['rollout', '-i', inventory, file, '--reason', 'INC-9', '--waves', '1,100%', '--soak', '30', '--limit', `${n1},${n2}`, ...FAST], {
      onStderr: (text) => {
        // the kubelet dies after the canary passed its gate
        if (!stopped && text.includes('soak: holding')) stopped = onNode(n1, 'systemctl stop kubelet');
      },
    });
    await stopped;
    expect(result.code, result.stderr).toBe(3);
    const json = parse(result.stdout);
    expect(json.nodes.find((n) => n.name === n1)).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/unhealthy during the soak: kubelet.service is inactive/) });
    expect(statusOf(json, n2)).toBe('skipped');
    expect(json.stopped).toBe(`${n1} went unhealthy during the soak`);
    expect(result.stderr).toMatch(new RegExp(`soak: ${n1} UNHEALTHY`));
    expect(await nodeSnapshot(n1)).toBe(before);
    expect(await onNode(n1, 'systemctl is-active kubelet')).toBe('active\n');
    await expect.poll(async () => (await readyNodes())[n1], { timeout: 20_000 }).toBe('True');
    const journal = await journalOf(json);
    expect(journal.nodes[n1]).toMatchObject({ status: 'rolled-back' });
  });

  it('refuses without --reason, and --pause without a terminal, before contacting any node', async () => {
    const file = await patchPlaybook();
    const noReason = await nodeward(['rollout', '-i', inventory, file, '--yes']);
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/--reason is required/);
    const pause = await nodeward(['rollout', '-i', inventory, file, '--reason', 'x', '--pause', '--yes']);
    expect(pause.code).toBe(1);
    expect(pause.stderr).toMatch(/--pause .* needs a terminal/);
  });
});

describe('nodeward apply --lock-wait (lab)', () => {
  it('a second apply waits for the first to release the node, then finds it in sync', async () => {
    const file = await patchPlaybook(13);
    let second: ReturnType<typeof nodeward> | undefined;
    const first = await nodeward(['apply', '-i', inventory, file, '--limit', n4, ...FAST], {
      onStderr: (text) => {
        if (!second && text.includes(`${n4}: locking`)) second = nodeward(['apply', '-i', inventory, file, '--limit', n4, '--lock-wait', '60', ...FAST]);
      },
    });
    expect(first.code, first.stderr).toBe(0);
    expect(statusOf(parse(first.stdout), n4)).toBe('applied');
    expect(second).toBeDefined();
    const waited = await (second as ReturnType<typeof nodeward>);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toMatch(new RegExp(`${n4}: locking waiting for run \\S+`));
    expect(parse(waited.stdout).nodes.find((n) => n.name === n4)).toMatchObject({ status: 'in-sync' });
    expect(await qpsOn(n4)).toBe('eventRecordQPS: 13');
  });
});
