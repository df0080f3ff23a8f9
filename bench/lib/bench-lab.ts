import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labDown, labUp, readLabInfo, type LabInfo } from '../../lab/lab.ts';
import { tryReadLabInfo } from '../../lab/info.ts';

/** Benchmarks use their own lab (id 8 unless NODEWARD_LAB_ID says otherwise) and a work dir outside the repo. */
export function benchLabId(): number {
  process.env['NODEWARD_LAB_ID'] ??= '8';
  return Number(process.env['NODEWARD_LAB_ID']);
}

export function workDir(name: string): string {
  const dir = `/tmp/nodeward-bench${benchLabId()}/${name}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A lab with at least n nodes: the running one when it is big enough, else a fresh `lab up n`. */
export async function ensureLab(n: number, log: (line: string) => void): Promise<LabInfo> {
  benchLabId();
  const current = tryReadLabInfo();
  if (current !== undefined && current.nodeCount >= n) return current;
  log(`lab ${benchLabId()}: up ${n} nodes`);
  const started = performance.now();
  await labUp(n, { log: (line) => log(`  lab: ${line}`) });
  log(`lab ${benchLabId()}: up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return readLabInfo();
}

export async function downLab(log: (line: string) => void): Promise<void> {
  const result = await labDown();
  log(`lab ${benchLabId()}: down (${result.stopped} machines stopped)`);
}

/** An inventory of the lab's first n nodes, paths absolute, optionally without the kubeconfig. */
export function writeInventory(info: LabInfo, n: number, file: string, opts: { kubeconfig?: boolean } = {}): string {
  const lines = [
    `bastion: { host: ${info.bastion.address}, port: ${info.bastion.port}, user: ops, identityFile: ${info.files.identityFile} }`,
    `knownHosts: ${info.files.knownHosts}`,
    ...(opts.kubeconfig === false ? [] : [`kubeconfig: ${info.files.kubeconfig}`]),
    `defaults: { user: ops, port: 22, identityFile: ${info.files.identityFile}, become: sudo }`,
    'nodes:',
    ...info.nodes.slice(0, n).map((node) => `  - { name: ${node.name}, address: ${node.address}, port: ${node.port}, labels: { pool: ${node.labels.pool} } }`),
  ];
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
