import { sh } from '../../node/sh.ts';
import type { LockFact } from '../types.ts';
import type { FactKind } from './kind.ts';

/** nodeward's own node lock file (key=value lines, apply/scripts/lock.ts writes it) with the node's clock. */
export const lockKind: FactKind<'lock'> = {
  kind: 'lock',
  section: 'l',
  // the lock file's lines by the shell's read (one process fewer than cat): parseLock reads lines
  each: (request, id) => sh`nw_sec ${id}; printf 'now=%s\\n' "$(date +%s)"; { while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < ${request.path}; } 2>/dev/null`,
  parse(_request, id, sections, facts) {
    facts.lock = parseLock(sections.one(id).toString('utf8'));
  },
};

/** The lock file's lines; undefined when there is no lock. */
export function parseLock(text: string): LockFact | undefined {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const runId = values.get('runId');
  if (!runId) return undefined;
  return {
    runId,
    owner: values.get('owner') ?? '?',
    pid: values.get('pid') ?? '?',
    command: values.get('command') ?? '',
    expires: Number(values.get('expires')) || 0,
    now: Number(values.get('now')) || 0,
    controller: values.get('controller'),
  };
}
