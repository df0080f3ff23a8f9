import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { labReset } from '../../lab/lab.ts';
import { testLab, testStateDir } from './helpers.ts';
import { onNode } from './nodeward.ts';

/**
 * The programmatic API as a user's code sees it: imported by the package's own name (its
 * `exports` entry, the built dist/index.js), against the lab.
 */
const lab = testLab();
const [n1 = 'node-1', n2 = 'node-2'] = lab.info.nodes.map((n) => n.name);

describe('import { loadFleet, plan, apply } from "nodeward" (lab)', () => {
  beforeEach(async () => {
    await labReset();
    process.env['XDG_STATE_HOME'] = testStateDir();
  });
  afterAll(async () => {
    await labReset();
  });

  it('loads, plans, applies with hooks and converges, as the CLI does', async () => {
    const nodeward = await import('nodeward');
    const dir = await mkdtemp(join(tmpdir(), 'nw-api-'));
    const file = join(dir, 'redirects.yaml');
    await writeFile(file, 'name: redirects\nresources:\n  - name: no-redirects\n    sysctl:\n      values:\n        net.ipv4.conf.all.accept_redirects: 0\n');
    await onNode(n1, 'sysctl -qw net.ipv4.conf.all.accept_redirects=1');
    const fleet = await nodeward.loadFleet({ inventory: lab.info.files.inventory, playbooks: [file], limit: [n1, n2] });
    expect(fleet.hosts.map((h) => h.name)).toEqual([n1, n2]);

    const seen: string[] = [];
    const planned = await nodeward.plan(fleet, { hooks: { nodeDone: (host, p) => seen.push(`${host.name}:${p.status}`) } });
    expect(seen.sort()).toEqual([`${n1}:changes`, `${n2}:${planned.nodes.find((n) => n.name === n2)?.status}`].sort());
    const first = planned.nodes.find((n) => n.name === n1);
    expect(first?.changes.map((c) => c.kind)).toContain('sysctl');

    const steps: string[] = [];
    const done: string[] = [];
    const run = await nodeward.apply(fleet, planned, { batch: '100%', hooks: { nodeStep: (host, step) => steps.push(`${host.name}:${step}`), nodeDone: (host, o) => done.push(`${host.name}:${o.status}`) } });
    expect(run.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(run.outcomes.find((o) => o.name === n1)).toMatchObject({ status: 'applied' });
    expect(done).toContain(`${n1}:applied`);
    expect(steps).toContain(`${n1}:lock`);
    expect((await onNode(n1, 'sysctl -n net.ipv4.conf.all.accept_redirects')).trim()).toBe('0');

    const again = await nodeward.plan(await nodeward.loadFleet({ inventory: lab.info.files.inventory, playbooks: [file], limit: [n1] }));
    expect(again.nodes.map((n) => n.status)).toEqual(['in-sync']);
  });

  it('bad input is a ConfigError naming file, line and column, before any node is contacted', async () => {
    const nodeward = await import('nodeward');
    const dir = await mkdtemp(join(tmpdir(), 'nw-api-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'name: bad\nresources:\n  - name: x\n    sysctl:\n      values:\n        net.ipv4.ip_forward: [1]\n');
    const error = await nodeward.loadFleet({ inventory: lab.info.files.inventory, playbooks: [file] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(nodeward.ConfigError);
    expect(String((error as Error).message)).toContain(`${file}:6:`);
  });
});
