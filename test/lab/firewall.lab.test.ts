import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labFault, labHeal, labReset } from '../../lab/lab.ts';
import { labSsh, testLab } from './helpers.ts';
import { nodeward, onNode } from './nodeward.ts';

interface ApplyJson {
  runId: string;
  nodes: { name: string; status: string; reason: string | null }[];
}

const lab = testLab();
const inventory = lab.info.files.inventory;
const [controlPlane, , target] = lab.info.nodes;

describe('firewall: the node reverts a ruleset no new login confirms (lab)', () => {
  beforeAll(async () => {
    if (!target) throw new Error('the lab needs three nodes');
    await labHeal();
    await labReset([target.name]);
  });

  afterAll(async () => {
    await labHeal();
    if (target) await labReset([target.name]);
  });

  it('blocks new logins once nodeward is connected: the node restores its old ruleset by itself and stays reachable', async () => {
    if (!target || !controlPlane) throw new Error('no node');
    const dir = await mkdtemp(join(tmpdir(), 'nw-fw-'));
    const file = join(dir, 'fw.yaml');
    await writeFile(file, `name: fw\nresources:\n  - name: fw\n    firewall: { sshFrom: [198.19.0.1], kubeletFrom: [${controlPlane.address}], confirmSeconds: 10 }\n`);
    await onNode(target.name, "nft add table inet othertable && nft add chain inet othertable input '{ type filter hook input priority 10; policy accept; }'");
    let blocked: Promise<void> | undefined;
    const result = await nodeward(['apply', '-i', inventory, file, '--yes', '--json', '--limit', target.name], {
      // nodeward holds its session by now; from here on only a fresh login is refused (at the bastion)
      onStderr: (text) => {
        if (!blocked && text.includes(`${target.name}: checking guards`)) blocked = labFault('ssh-new-blocked', target.name);
      },
    });
    await blocked;
    expect(result.code, result.stderr).toBe(3);
    const json = JSON.parse(result.stdout) as ApplyJson;
    expect(json.nodes[0]).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/no new SSH connection could confirm the change within 10 s.*the node reverted the run by itself/) });
    const state = await onNode(target.name, `nft list tables; cat /var/lib/nodeward/runs/${json.runId}/state; test -e /etc/nodeward/firewall.nft && echo file-left || echo no-file`);
    expect(state).toBe('table inet othertable\nrolled-back\nno-file\n');
    await labHeal('ssh-new-blocked', target.name);
    expect((await labSsh(lab.info, target.address, 'echo reachable')).stdout.trim()).toBe('reachable');
  });
});
