import path from 'node:path';
import { existsSync } from 'node:fs';

/** Where the lab lives and how its pieces are named; everything derives from the lab id. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
export const STANDINS_DIR = path.join(REPO_ROOT, 'lab', 'standins');

export class LabError extends Error {
  override name = 'LabError';
}

export function labId(): number {
  const raw = process.env['NODEWARD_LAB_ID'] ?? '0';
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 0 || id > 99) {
    throw new LabError(`NODEWARD_LAB_ID must be an integer 0-99, got ${JSON.stringify(raw)}`);
  }
  return id;
}

export function labDir(id: number = labId()): string {
  return process.env['NODEWARD_LAB_DIR'] ?? `/tmp/nodeward-lab${id}`;
}

export const MAX_NODES = 1000;

export const names = {
  prefix: (id: number) => `nwl${id}-`,
  wanNs: (id: number) => `nwl${id}-wan`,
  bastionNs: (id: number) => `nwl${id}-bastion`,
  nodeNs: (id: number, i: number) => `nwl${id}-n${i}`,
  hostLink: (id: number) => `nwl${id}host`,
  node: (i: number) => `node-${i}`,
  bastionPortLink: (i: number) => `vn${i}`,
};

export const addresses = {
  host: (id: number) => `198.18.${id}.1`,
  bastion: (id: number) => `198.18.${id}.2`,
  bastionInner: '198.19.0.1',
  // i mod 240 + 10 stays a valid host byte (10-249) for every i up to MAX_NODES.
  node: (i: number) => `198.19.${Math.floor(i / 240)}.${(i % 240) + 10}`,
};

export const apiserverPort = (id: number) => 18080 + id;

/**
 * Large labs put several nodes on one machine (namespaces, init, sshd): node i lives on machine
 * ceil(i / perMachine), whose sshd listens on 22, 2201, 2202, … one port per node. With
 * perMachine 1 (the default) machine i is node i on port 22.
 */
export const layout = {
  machineOf: (i: number, perMachine: number): number => Math.ceil(i / perMachine),
  port: (i: number, perMachine: number): number => ((i - 1) % perMachine === 0 ? 22 : 2200 + ((i - 1) % perMachine)),
  machineName: (m: number, perMachine: number): string => (perMachine === 1 ? names.node(m) : `machine-${m}`),
};

/** A stand-in file: `$NWLAB_STANDINS_DIR/<file>` when that exists (throwaway placeholders), else lab/standins. */
export function standin(file: string): string {
  const override = process.env['NWLAB_STANDINS_DIR'];
  if (override) {
    const p = path.join(override, file);
    if (existsSync(p)) return p;
  }
  return path.join(STANDINS_DIR, file);
}

/** Index of a node from its name (node-7 -> 7), or undefined. */
export function nodeIndex(name: string): number | undefined {
  const m = /^node-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
