import { sh as shTag } from '../../../src/node/sh.ts';
import fc from 'fast-check';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRollbackOutput, rollbackScript } from '../../../src/apply/scripts/rollback.ts';
import { parseWriteOutput, writeScript } from '../../../src/apply/scripts/write.ts';
import type { ResourceEntry } from '../../../src/config/playbook-types.ts';
import { gatherFacts } from '../../../src/facts/gather.ts';
import { buildNodePlan, factRequests } from '../../../src/planner/build.ts';
import { resourceSchemas, type ResourceSpec } from '../../../src/spec/schemas.ts';
import { editYaml } from '../../../src/resources/yaml-edit.ts';
import { localHost, localTransport } from '../../fakes/local-transport.ts';

// Properties over generated inputs, executed for real with /bin/sh on temp files:
//  - plan → apply → plan is empty (the plan says exactly what apply does, and apply converges);
//  - rollback brings back every byte, mode and file that existed;
//  - YAML edits keep every other key and every comment.

const host = localHost('prop');
const sh = localTransport(host);

function entry(kind: keyof typeof resourceSchemas, spec: unknown, name: string): ResourceEntry {
  return { id: `prop/${name}`, name, checks: [], note: undefined, when: undefined, resource: { kind, spec: resourceSchemas[kind].parse(spec) } as ResourceSpec, source: { file: 'p', line: 1, column: 1 } };
}

const modeArb = fc.constantFrom('0600', '0640', '0644', '0444', '0755', '0666');
const textArb = fc.string({ unit: 'binary', maxLength: 300 });
const keyArb = fc.constantFrom('readOnlyPort', 'podPidsLimit', 'seccompDefault', 'eventRecordQPS', 'authentication.anonymous.enabled', 'authorization.mode', 'clusterDomain');
const valueArb = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.boolean(), fc.constantFrom('Webhook', 'AlwaysAllow', 'cluster.local', '5m0s'));

const kubeletConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
# managed by kubeadm
authentication:
  anonymous:
    enabled: true # legacy
authorization:
  mode: AlwaysAllow
clusterDNS:
- 10.96.0.10
kind: KubeletConfiguration
readOnlyPort: 10255
`;

async function snapshot(dir: string): Promise<string> {
  const result = await sh.exec(shTag`cd ${dir} && find . -type f ! -path './state/*' | sort | while read -r f; do printf '%s %s %s\\n' "$f" "$(stat -c %a "$f")" "$(sha256sum < "$f" | cut -c1-16)"; done`);
  return result.stdout.toString();
}

describe('plan/apply round trip (property, local sh)', () => {
  it('apply makes what the plan says, the next plan is empty, and rollback restores everything', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ existing: fc.option(fc.record({ content: textArb, mode: modeArb }), { nil: undefined }), wanted: fc.record({ content: textArb, mode: modeArb }) }), { minLength: 1, maxLength: 4 }),
        fc.dictionary(keyArb, valueArb, { maxKeys: 4 }),
        fc.constantFrom('0600', '0640', '0644'),
        async (files, kubeletSet, maxMode) => {
          const dir = await mkdtemp(join(tmpdir(), 'nw-prop-'));
          try {
            await mkdir(join(dir, 'etc'));
            const entries: ResourceEntry[] = [];
            for (const [i, file] of files.entries()) {
              const path = join(dir, 'etc', `f${i}.conf`);
              if (file.existing) {
                await writeFile(path, file.existing.content);
                await chmod(path, Number.parseInt(file.existing.mode, 8));
              }
              entries.push(entry('file', { path, content: file.wanted.content, mode: file.wanted.mode, owner: 'root', group: 'root' }, `f${i}`));
            }
            const kcfg = join(dir, 'etc', 'kubelet.yaml');
            await writeFile(kcfg, kubeletConfig);
            entries.push(entry('kubeletConfig', { path: kcfg, set: kubeletSet, restarts: [] }, 'kubelet'));
            entries.push(entry('permissions', { paths: [kcfg], mode: maxMode }, 'perms'));

            const before = await snapshot(dir);
            const plan = buildNodePlan(host, entries, await gatherFacts(sh, factRequests(entries)));
            expect(plan.status, plan.error?.message).not.toBe('error');
            const operations = plan.changes.flatMap((c) => c.operations);
            const state = join(dir, 'state');
            const runId = '20261126T000000Z-abcdef';
            const written = parseWriteOutput((await sh.exec(writeScript({ stateDir: state, runId, operations, owedRestarts: [] }))).stdout);
            expect(written.failure).toBeUndefined();

            const again = buildNodePlan(host, entries, await gatherFacts(sh, factRequests(entries)));
            expect(again.changes.map((c) => `${c.id}: ${c.summary.join(', ')}`)).toEqual([]);

            if (operations.length > 0) {
              const back = parseRollbackOutput((await sh.exec(rollbackScript({ stateDir: state, runId, verifyUnchanged: true }))).stdout);
              expect(back.failure).toBeUndefined();
            }
            expect(await snapshot(dir)).toBe(before);
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});

describe('YAML edits (property)', () => {
  it('keep every other key and every comment, and are idempotent', () => {
    fc.assert(
      fc.property(fc.dictionary(keyArb, valueArb, { maxKeys: 5 }), (set) => {
        const edits = Object.entries(set).map(([key, value]) => ({ key, value }));
        const result = editYaml(kubeletConfig, edits);
        if (!result.ok) throw new Error(result.error);
        const before = parse(kubeletConfig) as Record<string, unknown>;
        const after = parse(result.text) as Record<string, unknown>;
        const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((at, k) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[k] : undefined), o);
        for (const key of ['apiVersion', 'kind', 'clusterDNS', 'authentication.anonymous.enabled', 'authorization.mode', 'readOnlyPort']) {
          if (!(key in set)) expect(get(after, key)).toEqual(get(before, key));
        }
        for (const [key, value] of Object.entries(set)) expect(get(after, key)).toEqual(value);
        for (const comment of ['# managed by kubeadm', '# legacy']) expect(result.text).toContain(comment);
        const again = editYaml(result.text, edits);
        expect(again).toMatchObject({ ok: true, text: result.text, changes: [] });
      }),
      { numRuns: 200 },
    );
  });
});
