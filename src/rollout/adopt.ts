import type { NodeOutcome } from '../apply/types.ts';
import type { JournalNode, RunRecord } from '../journal/run-journal.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';

export interface Adopted {
  readonly outcome: NodeOutcome;
  readonly journal: JournalNode;
}

/**
 * A node an interrupted attempt left `pending` and this attempt found in sync (after finishing the
 * restarts it owed) without writing anything itself: the change is that attempt's. It is reported applied and journaled under that
 * attempt's run id, so that `nodeward rollback` restores it from that attempt's backups.
 */
export function adoptFinished(outcomes: readonly NodeOutcome[], previous: RunRecord, attemptId: string, now = new Date()): Adopted[] {
  return outcomes.flatMap((outcome): Adopted[] => {
    const before = previous.nodes[outcome.name];
    // in sync, or "applied" with nothing written by this attempt: what it found was the earlier attempt's work
    const nothingWritten = outcome.status === 'in-sync' || (outcome.status === 'applied' && outcome.changes === 0);
    if (!nothingWritten || before?.status !== 'pending' || !before.runId || before.runId === attemptId) return [];
    const reason = `finished by ${attemptId}: the change of interrupted attempt ${before.runId}`;
    return [
      {
        outcome: { ...outcome, status: 'applied', reason, changes: before.changes.length, restarted: before.restarted.filter((s): s is ServiceToRestart => s === 'kubelet' || s === 'containerd') },
        journal: { ...before, status: 'applied', reason, updatedAt: now.toISOString() },
      },
    ];
  });
}

/**
 * The attempt's outcomes with the adopted ones in place, each adopted node journaled as applied
 * under the attempt whose change it is; nodes reported before any wave (`early`) first.
 */
export async function withAdopted(
  early: readonly NodeOutcome[],
  outcomes: readonly NodeOutcome[],
  previous: RunRecord | undefined,
  attemptId: string,
  journal: { updateNode(node: JournalNode): Promise<void> },
): Promise<NodeOutcome[]> {
  const adopted = previous ? adoptFinished(outcomes, previous, attemptId) : [];
  for (const { journal: node } of adopted) await journal.updateNode(node);
  const byName = new Map(adopted.map((a) => [a.outcome.name, a.outcome]));
  return [...early, ...outcomes.map((o) => byName.get(o.name) ?? o)];
}
