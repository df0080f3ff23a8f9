import { describe, expect, it } from 'vitest';
import { compareDrift } from '../../../src/drift/compare.ts';
import type { HistoryItem } from '../../../src/drift/history.ts';

const item = (id: string, summary: string[], firstSeen = '2026-11-01T00:00:00.000Z'): HistoryItem => ({ id, kind: id.split(':')[0] ?? '', target: id.split(':')[1] ?? '', summary, rules: ['p/r'], checks: ['4.2.4'], firstSeen });

describe('compareDrift (history: new, persisting, gone)', () => {
  const previous = [item('sysctl:a', ['live 1 → 0']), item('permissions:/f', ['mode 0644 → 0600']), item('sysctl:b', ['live 0 → 1'])];
  const now = '2026-11-26T00:00:00.000Z';

  it('keeps what persists with its first sighting, calls the rest new, lists what is gone', () => {
    const current = [item('sysctl:a', ['live 1 → 0'], now), item('kubeletConfig:/k', ['readOnlyPort: 10255 → 0'], now)];
    const result = compareDrift(previous, current, now);
    expect(result.current.map((c) => [c.id, c.state, c.firstSeen])).toEqual([
      ['sysctl:a', 'persisting', '2026-11-01T00:00:00.000Z'],
      ['kubeletConfig:/k', 'new', now],
    ]);
    expect(result.resolved.map((r) => r.id)).toEqual(['permissions:/f', 'sysctl:b']);
  });

  it('a change that moved again (another summary) is new drift', () => {
    const result = compareDrift(previous, [item('sysctl:a', ['live 2 → 0'], now)], now);
    expect(result.current[0]).toMatchObject({ state: 'new', firstSeen: now });
  });

  it('everything is new on the first run, and nothing is gone', () => {
    const result = compareDrift(undefined, [item('sysctl:a', ['x'], now)], now);
    expect(result.current[0]?.state).toBe('new');
    expect(result.resolved).toEqual([]);
  });
});
