import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labReset } from '../../lab/lab.ts';
import { testLab } from './helpers.ts';
import { nodeward, onNode, type CliResult } from './nodeward.ts';

// A full run (plan, saved plan, apply, check, drift, rollback) with secrets seeded on the nodes
// (kubeconfig client keys, a bootstrap token, a private key) and one declared in a playbook:
// none may appear in any output, report, saved plan or journal on the controller.
const TOKEN = 'nwsecret-0a1b2c3d4e5f.deadbeefcafebabe';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe('secrets never leave the node in clear', () => {
  const lab = testLab();
  const inventory = lab.info.files.inventory;
  let state: string;
  let work: string;
  const outputs: CliResult[] = [];
  const env = (): NodeJS.ProcessEnv => ({ XDG_STATE_HOME: state });

  beforeAll(async () => {
    await labReset();
    state = await mkdtemp(join(tmpdir(), 'nw-secrets-state-'));
    work = await mkdtemp(join(tmpdir(), 'nw-secrets-'));
    await writeFile(
      join(work, 'token.yaml'),
      `name: token\nresources:\n  - name: api-token\n    file: { path: /etc/kubernetes/nodeward-token, content: "${TOKEN}", sensitive: true, mode: "0600", owner: root, group: root }\n`,
    );
  });

  afterAll(async () => {
    await labReset();
  });

  it('runs the whole job and finds no secret in anything it printed or wrote', async () => {
    const playbooks = ['kubelet', 'kernel', 'files', join(work, 'token.yaml')];
    outputs.push(await nodeward(['plan', '-i', inventory, ...playbooks], { env: env() }));
    outputs.push(await nodeward(['plan', '-i', inventory, ...playbooks, '--json', '--out', join(work, 'plan.json')], { env: env() }));
    outputs.push(await nodeward(['check', '-i', inventory, '--format', 'json'], { env: env() }));
    const apply = await nodeward(['apply', '--plan', join(work, 'plan.json'), '-i', inventory, '--json', '--batch', '100%'], { env: env() });
    outputs.push(apply);
    expect(apply.code, apply.stderr).toBe(0);
    outputs.push(await nodeward(['drift', '-i', inventory, ...playbooks, '--format', `json=${join(work, 'drift.json')}`, '--format', `junit=${join(work, 'drift.xml')}`, '--format', `markdown=${join(work, 'drift.md')}`, '--format', `prometheus=${join(work, 'drift.prom')}`], { env: env() }));
    // the token did reach the node, only there, root-only
    expect(await onNode('node-1', 'stat -c %a:%U /etc/kubernetes/nodeward-token')).toBe('600:root\n');
    const runId = (JSON.parse(apply.stdout) as { runId: string }).runId;
    outputs.push(await nodeward(['rollback', runId, '-i', inventory, '--yes', '--batch', '100%'], { env: env() }));

    const texts = [...outputs.flatMap((o) => [o.stdout, o.stderr])];
    for (const file of [...(await filesUnder(state)), ...(await filesUnder(work)).filter((f) => !f.endsWith('token.yaml'))]) {
      texts.push(await readFile(file, 'utf8'));
    }
    // the outputs did deal with the secret-bearing files (so the absence below means something)
    const all = texts.join('\n');
    expect(all).toContain('/etc/kubernetes/kubelet.conf');
    expect(all).toContain('/etc/kubernetes/nodeward-token');
    expect(all).toContain('sensitive content, sha256');
    const secrets = [TOKEN, ...lab.info.secrets];
    expect(secrets.length).toBeGreaterThan(2);
    for (const secret of secrets) {
      for (const text of texts) expect(text.includes(secret), `a secret (${secret.slice(0, 6)}…) was printed or stored`).toBe(false);
    }
    // the local journal and saved plan are private to the operator
    for (const file of await filesUnder(join(state, 'nodeward', 'runs'))) expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(join(work, 'plan.json'))).mode & 0o777).toString(8)).toBe('600');
  });
});
