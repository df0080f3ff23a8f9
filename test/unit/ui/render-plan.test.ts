import { describe, expect, it } from 'vitest';
import type { Change, NodePlan, Plan } from '../../../src/plan/types.ts';
import { plain } from '../../../src/text/colors.ts';
import { describeNames, whereTag } from '../../../src/text/node-names.ts';
import { renderPlan, type DiffMode } from '../../../src/ui/render-plan.ts';
import { mergeOrder } from '../../../src/util/merge-order.ts';

function change(target: string, summary: string[], diff?: string, extra: Partial<Change> = {}): Change {
  return {
    id: `file:${target}`,
    kind: 'file',
    target,
    action: 'update',
    entries: ['p/e'],
    summary,
    before: { mode: '0644' },
    after: { mode: '0600' },
    diff,
    sensitive: false,
    restarts: [],
    checks: ['4.1.1'],
    notes: [],
    fingerprint: `fp-${Math.random()}`,
    operations: [],
    ...extra,
  };
}

function node(name: string, changes: Change[], extra: Partial<NodePlan> = {}): NodePlan {
  return { name, address: `10.0.0.${name.slice(5)}`, status: changes.length > 0 ? 'changes' : 'in-sync', error: undefined, changes, restarts: [...new Set(changes.flatMap((c) => c.restarts))], skipped: [], ...extra };
}

function plan(nodes: NodePlan[]): Plan {
  return { version: 1, createdAt: '2026-01-01T00:00:00Z', inventory: { file: '/i.yaml', sha256: 'x' }, playbooks: [], limit: [], nodes };
}

const render = (nodes: NodePlan[], diff: DiffMode = 'changed', details = true): string => renderPlan(plan(nodes), { palette: plain, diff, details });

const DIFF = '--- a/etc/x\n+++ b/etc/x\n@@ -1,3 +1,3 @@\n keep\n-old: 1\n+new: 1\n tail\n';

describe('the grouped plan', () => {
  it('shows nodes with identical plans once, as a group, and counts in a footer', () => {
    const same = (n: string): NodePlan => node(n, [change('/etc/x', ['mode 0644 → 0600'], undefined, { restarts: ['kubelet'] }), change('/etc/y', ['owner a → root'])]);
    const text = render([node('node-1', [change('/etc/x', ['mode 0666 → 0600'])]), same('node-2'), same('node-3'), same('node-4'), same('node-5')]);
    expect(text).toMatch(/^node-2…node-5 \(4 nodes\): 2 changes, restarts kubelet$/m);
    expect(text).toMatch(/^node-1: 1 change$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('Plan: 5 nodes, 9 changes, 4 restarts; 5 with changes, 0 in sync, 0 refused, 0 locked, 0 errors');
  });

  it('shows each change once per target and marks the lines only some nodes get', () => {
    const text = render([
      node('node-1', [change('/etc/x', ['mode 0644 → 0600', 'owner a → root'])]),
      node('node-2', [change('/etc/x', ['mode 0644 → 0600'])]),
      node('node-3', [change('/etc/x', ['mode 0644 → 0600']), change('/etc/z', ['mode 0644 → 0600'])]),
    ]);
    expect(text.match(/~ file \/etc\/x/g)).toHaveLength(1);
    expect(text).toMatch(/^ {6}mode 0644 → 0600$/m);
    expect(text).toMatch(/^ {6}owner a → root {2}\(on node-1\)$/m);
    expect(text).toMatch(/~ file \/etc\/z {2}\[4\.1\.1\] {2}\(on node-3\)$/m);
  });

  it('--diff full shows whole diffs, changed only the changed lines, none no diff', () => {
    const nodes = [node('node-1', [change('/etc/x', ['s'], DIFF)]), node('node-2', [change('/etc/x', ['s'], DIFF)])];
    const full = render(nodes, 'full');
    expect(full).toContain('@@ -1,3 +1,3 @@');
    expect(full).toMatch(/^ {7}keep$/m);
    const changed = render(nodes, 'changed');
    expect(changed).toMatch(/^ {6}-old: 1$/m);
    expect(changed).toMatch(/^ {6}\+new: 1$/m);
    expect(changed).not.toContain('@@');
    expect(changed).not.toContain('keep');
    expect(render(nodes, 'none')).not.toMatch(/old: 1/);
  });

  it('a diff line only some nodes have is marked; distinct full diffs are labelled with their nodes', () => {
    const other = DIFF.replace('+new: 1', '+new: 2');
    const nodes = [node('node-1', [change('/etc/x', ['s'], DIFF)]), node('node-2', [change('/etc/x', ['s'], DIFF)]), node('node-3', [change('/etc/x', ['s'], other)])];
    expect(render(nodes, 'changed')).toMatch(/^ {6}\+new: 2 {2}\(on node-3\)$/m);
    expect(render(nodes, 'full')).toMatch(/^ {6}diff on node-3:$/m);
  });

  it('one line for nodes that fail the same way, whatever their names (a bastion that refuses)', () => {
    const refused = (n: string): NodePlan =>
      node(n, [], { status: 'error', error: { code: 'connect-refused', hop: 'bastion', message: 'bastion 198.18.4.2:22: connection refused (is sshd listening on that port?)' } });
    const own = (n: string): NodePlan => node(n, [], { status: 'error', error: { code: 'connect-auth', hop: 'node', message: `${n} (10.0.0.9:22, via bastion): authentication failed` } });
    const text = render([...Array.from({ length: 50 }, (_, i) => refused(`node-${i + 1}`)), own('node-51'), own('node-52')]);
    expect(text.match(/connection refused/g)).toHaveLength(1);
    expect(text).toMatch(/^node-1…node-50 \(50 nodes\): not reached through the bastion: bastion 198\.18\.4\.2:22: connection refused/m);
    expect(text).toMatch(/^node-51, node-52 \(2 nodes\): error: authentication failed$/m);
    expect(text).toContain('; 0 with changes, 0 in sync, 0 refused, 0 locked, 52 errors');
  });

  it('a node the guards refuse is a group of its own, first, with the guard, its cause and the fix, and counted as refused', () => {
    const refusal = [{ guard: 'protect-kernel-defaults', message: 'kubelet entry k/c sets protectKernelDefaults: true but vm.overcommit_memory is 0', fix: "set the kernel playbook's six tunables first" }];
    const text = render([node('node-1', [change('/etc/x', ['mode 0644 → 0600'])]), node('node-2', [change('/etc/x', ['mode 0644 → 0600'])], { refusal })], 'none', false);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('node-2: 1 change, apply would refuse it (protect-kernel-defaults)');
    expect(lines[1]).toBe('  ✗ protect-kernel-defaults: kubelet entry k/c sets protectKernelDefaults: true but vm.overcommit_memory is 0');
    expect(lines[2]).toBe("    to apply it: set the kernel playbook's six tunables first");
    expect(lines[3]).toBe('node-1: 1 change');
    expect(lines.at(-1)).toBe('Plan: 2 nodes, 2 changes, 0 restarts; 1 with changes, 0 in sync, 1 refused, 0 locked, 0 errors');
  });

  it('without details (apply before it asks) only the groups and the footer', () => {
    const text = render([node('node-1', [change('/etc/x', ['mode 0644 → 0600'], DIFF)])], 'changed', false);
    expect(text).not.toContain('/etc/x');
    expect(text.trim().split('\n')).toEqual(['node-1: 1 change', '', 'Plan: 1 node, 1 change, 0 restarts; 1 with changes, 0 in sync, 0 refused, 0 locked, 0 errors']);
  });

  it('interrupted nodes are one line, not an error per node', () => {
    const cancelled = (n: string): NodePlan => node(n, [], { status: 'error', error: { code: 'cancelled', hop: undefined, message: 'interrupted by SIGINT' } });
    const text = render([node('node-1', []), cancelled('node-2'), cancelled('node-3'), cancelled('node-4')]);
    expect(text).toMatch(/^node-2…node-4 \(3 nodes\): not planned \(interrupted\)$/m);
    expect(text).not.toContain('SIGINT');
  });
});

describe('node names and order', () => {
  it('compresses numbered runs and cuts long lists', () => {
    expect(describeNames(['node-10', 'node-2', 'node-3', 'node-4', 'node-9', 'db'])).toBe('db, node-2…node-4, node-9, node-10');
    expect(describeNames(Array.from({ length: 100 }, (_, i) => `node-${2 * i + 1}`), 3)).toBe('node-1, node-3, node-5 and 97 more');
    expect(whereTag(['a', 'b', 'c'], ['a', 'b', 'c', 'd'])).toBe('not on d');
    expect(whereTag(['a'], ['a', 'b', 'c'])).toBe('on a');
    expect(whereTag(['a', 'b'], ['a', 'b'])).toBe('');
  });

  it('merges ordered lists keeping each one order', () => {
    expect(mergeOrder([['live', 'boot-a', 'note'], ['live', 'boot-b', 'note'], ['x', 'live']])).toEqual(['x', 'live', 'boot-a', 'boot-b', 'note']);
  });
});

describe('what apply and rollout show before they ask', () => {
  it('the summary and a pointer to the changes; the changes too with --diff MODE', async () => {
    const { renderPreview } = await import('../../../src/cli/commands/plan.ts');
    const p = plan([node('node-1', [change('/etc/x', ['mode 0644 → 0600'], DIFF)]), node('node-2', [])]);
    const summary = renderPreview(p, {}, false);
    expect(summary).toContain('node-1: 1 change');
    expect(summary).toContain('node-2: in sync');
    expect(summary).toContain('Every change, once per target: add --diff changed');
    expect(summary).not.toContain('/etc/x');
    expect(renderPreview(p, { diff: false }, false)).toBe(summary);
    const details = renderPreview(p, { diff: 'changed' }, false);
    expect(details).toContain('~ file /etc/x');
    expect(details).toMatch(/^ {6}\+new: 1$/m);
    expect(renderPreview(p, { diff: 'none' }, false)).not.toContain('+new: 1');
    expect(() => renderPreview(p, { diff: 'some' }, false)).toThrow(/--diff "some": must be one of full, changed, none/);
  });
});

describe('a reason many nodes share', () => {
  it('is printed once under the outcome table, the rows pointing at it', async () => {
    const { renderOutcomes } = await import('../../../src/ui/render-apply.ts');
    const reason = 'bastion 10.0.0.2:22: connection refused (is sshd listening on that port?)';
    const outcomes = ['node-1', 'node-2', 'node-3', 'node-4'].map((name) => ({ name, status: 'unreachable' as const, reason, changes: 0, restarted: [], durationMs: 0 }));
    const text = renderOutcomes([...outcomes, { name: 'node-5', status: 'refused', reason: 'its own reason', changes: 0, restarted: [], durationMs: 0 }], plain);
    expect(text.match(/connection refused/g)).toHaveLength(1);
    expect(text).toMatch(/^node-1 +unreachable +0 +- +0\.0s +\[1\]$/m);
    expect(text).toMatch(/^node-5 +refused .*its own reason$/m);
    expect(text).toContain(`[1] ${reason} (4 nodes)`);
  });
});
