import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labHeal, labReset } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { nodeward } from './nodeward.ts';
import { sshAudit } from './playbooks-audit.ts';

interface ApplyJson {
  runId: string;
  nodes: { name: string; status: string; reason: string | null; restarted: string[] }[];
}

const lab = testLab();
const inventory = lab.info.files.inventory;
const names = lab.info.nodes.map((n) => n.name);
const VERSIONS = "echo \"containerd.io=$(dpkg-query -W -f='${Version}' containerd.io)\"; echo \"runc=$(dpkg-query -W -f='${Version}' runc)\"; echo \"containerd=$(systemctl is-active containerd)\"";

/** One new SSH connection per node, one after the other (the bastion's MaxStartups is 10). */
async function versions(): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for (const node of lab.info.nodes) out.push(await sshAudit(lab.info, node.address, VERSIONS));
  return out;
}

describe('package: a pinned version rolled out to every node (lab)', () => {
  let file: string;

  beforeAll(async () => {
    await labHeal();
    await labReset();
    const dir = await mkdtemp(join(tmpdir(), 'nw-package-'));
    file = join(dir, 'patch.yaml');
    await writeFile(file, 'name: patch\nresources:\n  - name: containerd-fix\n    package: { versions: { containerd.io: 1.7.22-1 }, restarts: [containerd] }\n');
  });

  afterAll(async () => {
    await labHeal();
    await labReset();
  });

  it('upgrades the package on every node with a gated containerd restart, is a no-op the second time, and rolls back', async () => {
    expect((await versions()).map((v) => v['containerd.io'])).toEqual(names.map(() => '1.7.20-1'));
    const first = await nodeward(['apply', '-i', inventory, file, '--yes', '--json', '--batch', '1,100%', '--health-timeout', '60']);
    expect(first.code, first.stderr).toBe(0);
    const json = JSON.parse(first.stdout) as ApplyJson;
    expect(json.nodes.map((n) => [n.name, n.status, n.restarted])).toEqual(names.map((n) => [n, 'applied', ['containerd']]));
    expect(await versions()).toEqual(names.map(() => ({ 'containerd.io': '1.7.22-1', runc: '1.1.12-1', containerd: 'active' })));

    const second = await nodeward(['apply', '-i', inventory, file, '--yes', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as ApplyJson).nodes.map((n) => [n.status, n.restarted.length])).toEqual(names.map(() => ['in-sync', 0]));

    const back = await nodeward(['rollback', json.runId, '-i', inventory, '--yes', '--batch', '100%']);
    expect(back.code, back.stderr).toBe(0);
    expect((await versions()).map((v) => v['containerd.io'])).toEqual(names.map(() => '1.7.20-1'));
  });
});
