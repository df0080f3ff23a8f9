import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../lab/config.ts';

export const REPO = REPO_ROOT;
/** The built CLI, run exactly as a user runs `nodeward` (build it first: npm run build). */
export const NODEWARD_CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface NodewardStats {
  readonly bastionConnections: number;
  readonly nodeSessions: number;
  /** Across the fleet (bastion logins and nodes together). */
  readonly maxHandshakesInFlight: number;
  /** At any one bastion, and at any one node's sshd (undefined in lines written before they were counted). */
  readonly maxBastionHandshakes?: number | undefined;
  readonly maxNodeHandshakes?: number | undefined;
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
    maxBastionHandshakes: mostOf(lines.map((l) => l.maxBastionHandshakes)),
    maxNodeHandshakes: mostOf(lines.map((l) => l.maxNodeHandshakes)),
    execs,
    retries: lines.reduce((sum, l) => sum + l.retries, 0),
  };
}

const mostOf = (values: readonly (number | undefined)[]): number | undefined => {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
};

/**
 * "most handshakes in flight" as the tables show it: across the fleet, then at one bastion and at
 * one node's sshd (what each sshd's MaxStartups saw of nodeward), each a range over the runs.
 */
export function handshakesCell(stats: readonly NodewardStats[], span: (values: readonly number[]) => string): string {
  const known = (pick: (s: NodewardStats) => number | undefined): number[] => stats.flatMap((s) => (pick(s) === undefined ? [] : [pick(s) as number]));
  return `${span(stats.map((s) => s.maxHandshakesInFlight))} (bastion ${span(known((s) => s.maxBastionHandshakes))}, node ${span(known((s) => s.maxNodeHandshakes))})`;
}
