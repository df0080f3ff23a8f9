import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../lab/config.ts';

export const REPO = REPO_ROOT;
/** The built CLI, run exactly as a user runs `nodeward` (build it first: npm run build). */
export const NODEWARD_CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface NodewardStats {
  readonly bastionConnections: number;
  readonly nodeSessions: number;
  readonly maxHandshakesInFlight: number;
  readonly execs: Readonly<Record<string, number>>;
  readonly retries: number;
}

/** The ConnectorStats a run appended to NODEWARD_CONNECTION_STATS (one line per connector), summed. */
export function readStats(file: string): NodewardStats | undefined {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as NodewardStats);
  if (lines.length === 0) return undefined;
  const execs: Record<string, number> = {};
  for (const line of lines) for (const [host, count] of Object.entries(line.execs)) execs[host] = (execs[host] ?? 0) + count;
  return {
    bastionConnections: lines.reduce((sum, l) => sum + l.bastionConnections, 0),
    nodeSessions: lines.reduce((sum, l) => sum + l.nodeSessions, 0),
    maxHandshakesInFlight: Math.max(...lines.map((l) => l.maxHandshakesInFlight)),
    execs,
    retries: lines.reduce((sum, l) => sum + l.retries, 0),
  };
}
