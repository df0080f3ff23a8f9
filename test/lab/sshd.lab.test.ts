import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labHeal, labReset } from '../../lab/lab.ts';
import { labSsh, testLab } from './helpers.ts';
import { nodeward, onNode } from './nodeward.ts';
import { sshAudit } from './playbooks-audit.ts';

interface ApplyJson {
  runId: string;
  nodes: { name: string; status: string; reason: string | null }[];
}

const lab = testLab();
const inventory = lab.info.files.inventory;
const [first, second] = lab.info.nodes;
const EFFECTIVE = `sshd -T | grep -Ei '^(passwordauthentication|permitrootlogin|listenaddress|allowusers) ' | sort | tr ' ' '=' | sed 's/=/ /2g'; echo "dropin=$(ls /etc/ssh/sshd_config.d/00-nodeward.conf 2>/dev/null)"; echo "runs=$(ls /var/lib/nodeward/runs 2>/dev/null | wc -l)"`;

async function playbook(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nw-sshd-'));
  await writeFile(join(dir, 'sshd-test.yaml'), yaml);
  return join(dir, 'sshd-test.yaml');
}

describe('sshd changes cannot lock nodeward out (lab)', () => {
  beforeAll(async () => {
    if (!first || !second) throw new Error('the lab needs two nodes');
    await labHeal();
    await labReset([first.name, second.name]);
  });

  afterAll(async () => {
    await labHeal();
    if (first && second) await labReset([first.name, second.name]);
  });

  it('refuses an AllowUsers without the user nodeward connects as, with nothing written', async () => {
    if (!first) throw new Error('no node');
    const file = await playbook('name: sshd-test\nresources:\n  - name: allow\n    sshd: { settings: { PasswordAuthentication: false, AllowUsers: [alice] } }\n');
    const before = await sshAudit(lab.info, first.address, EFFECTIVE);
    const result = await nodeward(['apply', '-i', inventory, file, '--yes', '--json', '--limit', first.name]);
    expect(result.code, result.stderr).toBe(1);
    const outcome = (JSON.parse(result.stdout) as ApplyJson).nodes[0];
    expect(outcome).toMatchObject({ status: 'refused', reason: expect.stringMatching(/ssh-lockout: the sshd change \(entry sshd-test\/allow\) would lock ops .* AllowUsers alice would not include ops from 198\.19\.0\.1 \(to apply it: let ops in/) });
    expect(await sshAudit(lab.info, first.address, EFFECTIVE)).toEqual(before);
    expect(before).toMatchObject({ passwordauthentication: 'yes', dropin: '' });
  });

  it('reverts by itself a change no new SSH connection can confirm, and the node stays reachable', async () => {
    if (!second) throw new Error('no node');
    // sshd -t accepts it and the running session survives the reload, but new logins are refused
    const file = await playbook(
      'name: sshd-test\nresources:\n  - name: listen\n    sshd: { confirmSeconds: 10, settings: { PasswordAuthentication: false, ListenAddress: 127.0.0.1 } }\n',
    );
    const before = await sshAudit(lab.info, second.address, EFFECTIVE);
    const started = Date.now();
    const result = await nodeward(['apply', '-i', inventory, file, '--yes', '--json', '--limit', second.name]);
    const seconds = (Date.now() - started) / 1000;
    expect(result.code, result.stderr).toBe(3);
    const json = JSON.parse(result.stdout) as ApplyJson;
    expect(json.nodes[0]).toMatchObject({
      status: 'rolled-back',
      reason: expect.stringMatching(/no new SSH connection could confirm the change within 10 s .*; the node reverted the run by itself/),
    });
    process.stderr.write(`[sshd] unconfirmed change reverted by the node in ${seconds.toFixed(1)} s (timer 10 s)\n`);
    // a new connection through the bastion works again and sshd is as it was
    const after = await sshAudit(lab.info, second.address, EFFECTIVE);
    expect({ ...after, runs: '' }).toEqual({ ...before, runs: '' });
    expect(after['listenaddress']).not.toContain('127.0.0.1');
    const state = await onNode(second.name, `cat /var/lib/nodeward/runs/${json.runId}/state; ls /var/lib/nodeward/runs/${json.runId}`);
    expect(state).toMatch(/^rolled-back\n/);
    expect(state).toContain('reverting');
    expect(state).not.toContain('confirmed');
    expect((await labSsh(lab.info, second.address, 'echo reachable')).stdout.trim()).toBe('reachable');
  });
});
