import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labExec, labReset } from '../../lab/lab.ts';
import { loadInputs } from '../../src/run/inputs.ts';
import { dedupeRequests } from '../../src/facts/gather.ts';
import { buildFactsScript, sectionId } from '../../src/facts/script.ts';
import { factRequests } from '../../src/planner/build.ts';
import { testLab } from './helpers.ts';
import { nodeSnapshot, nodeward } from './nodeward.ts';

describe('nodeward plan --show-scripts (lab)', () => {
  const lab = testLab();
  const inventory = lab.info.files.inventory;
  const names = lab.info.nodes.map((n) => n.name);
  let dir: string;

  beforeAll(async () => {
    await labReset();
    dir = await mkdtemp(join(tmpdir(), 'nw-show-scripts-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every script a run would send, each valid sh, and changes nothing on the nodes', async () => {
    const before = await Promise.all(names.map((n) => nodeSnapshot(n)));
    const result = await nodeward(['plan', '-i', inventory, '--show-scripts', dir, '--diff', 'none']);
    expect(result.code, result.stderr).toBe(2); // the lab's seeded drift: changes pending
    expect(result.stderr).toMatch(/scripts for \d+ node\(s\) written under/);
    expect(await Promise.all(names.map((n) => nodeSnapshot(n)))).toEqual(before);

    expect((await readdir(dir)).sort()).toEqual([...names].sort());
    for (const name of names) {
      const files = (await readdir(join(dir, name))).sort();
      const steps = files.map((f) => f.replace(/^\d\d-|\.sh$/g, ''));
      expect(steps.slice(0, 4)).toEqual(['supervisor', 'facts', 'lock', 'write']);
      expect(steps).toEqual(expect.arrayContaining(['restart-kubelet', 'probe-kubelet', 'settle-kubelet', 'unlock', 'on-failure-rollback', 'on-lost-contact-inspect']));
      expect(steps.indexOf('restart-kubelet')).toBeLessThan(steps.indexOf('unlock'));
      for (const file of files) {
        const path = join(dir, name, file);
        expect((await stat(path)).mode & 0o777, path).toBe(0o600);
        const check = spawnSync('sh', ['-n', path], { encoding: 'utf8' });
        expect(check.status, `${path}: ${check.stderr}`).toBe(0);
      }
      const write = await readFile(join(dir, name, '03-write.sh'), 'utf8');
      expect(write).toContain('/var/lib/kubelet/config.yaml'); // the planned kubelet change is in it
    }
  });

  it('the facts script written is the one the node was sent, and the node answers it', async () => {
    const inputs = await loadInputs({ inventory, limit: [], playbooks: [] });
    for (const name of names) {
      const text = await readFile(join(dir, name, '01-facts.sh'), 'utf8');
      const boundary = /^B=(NWB[0-9a-f]{32})\n/.exec(text)?.[1];
      expect(boundary, text.slice(0, 80)).toBeDefined();
      // what plan sends is buildFactsScript of the node's requests: rebuilt here with the same boundary
      const requests = dedupeRequests(factRequests(inputs.entriesByHost.get(name) ?? []));
      expect(text).toBe(buildFactsScript(requests, boundary ?? '').text);
      // and run on the node as root, outside nodeward: it answers every request's section
      const answer = await labExec(name, ['sh', '-s'], { input: text });
      expect(answer.code, answer.stderr).toBe(0);
      requests.forEach((request, index) => {
        // sysctl.d files answer one section per file there is: possibly none
        if (request.kind !== 'sysctlFiles') expect(answer.stdout).toContain(`\n${boundary} ${sectionId(request, index)}\n`);
      });
    }
  });
});
