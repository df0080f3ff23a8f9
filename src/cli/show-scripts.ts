import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_BOUNDS } from '../apply/bounds.ts';
import { runScripts, supervisorScript } from '../apply/run-scripts.ts';
import type { HostSpec } from '../config/types.ts';
import { NODE_STATE_DIR, newRunId } from '../node/run-state.ts';
import type { Script } from '../node/sh.ts';
import type { Plan } from '../plan/types.ts';
import type { NodeRead } from '../run/plan-fleet.ts';
import { operator } from './apply-deps.ts';

/** What `plan --show-scripts` collects while planning: the facts script each node was sent, and what it read. */
export interface ScriptCapture {
  readonly record: (host: HostSpec, script: Script) => void;
  readonly onRead: (host: HostSpec, read: NodeRead) => void;
  /** Writes DIR/<node>/<nn>-<step>.sh for every node of the plan; returns the files written. */
  write(dir: string, plan: Plan): Promise<string[]>;
}

/** A node name as a directory name: nothing but letters, digits, `.`, `_`, `-`. */
function dirName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
}

export function captureScripts(): ScriptCapture {
  const facts = new Map<string, Script>();
  const reads = new Map<string, NodeRead>();
  return {
    // the first script a plan sends a node is its facts script, and the only one
    record: (host, script) => {
      if (!facts.has(host.name)) facts.set(host.name, script);
    },
    onRead: (host, read) => reads.set(host.name, read),
    async write(dir, plan) {
      const runId = newRunId();
      const written: string[] = [];
      await mkdir(dir, { recursive: true, mode: 0o700 });
      for (const node of plan.nodes) {
        const nodeDir = join(dir, dirName(node.name));
        await mkdir(nodeDir, { recursive: true, mode: 0o700 });
        const scripts = [
          { step: 'supervisor', script: supervisorScript(DEFAULT_BOUNDS.command) },
          ...runScripts({
            stateDir: NODE_STATE_DIR,
            runId,
            plan: node,
            facts: reads.get(node.name)?.facts,
            factsScript: facts.get(node.name),
            lock: { owner: operator(), pid: process.pid, command: 'nodeward apply', ttlSeconds: 900 },
            bounds: DEFAULT_BOUNDS,
          }),
        ];
        for (const [n, { step, script }] of scripts.entries()) {
          const file = join(nodeDir, `${String(n).padStart(2, '0')}-${step}.sh`);
          // the write script carries the new files' content: as private as the files it writes
          await writeFile(file, script.text, { mode: 0o600 });
          written.push(file);
        }
      }
      return written;
    },
  };
}
