import { wouldRefuse, type NodePlan } from '../plan/types.ts';

// Loaded on the first question (~13 MB): plan, check, drift and `apply --yes` never ask one.
const inquirer = () => import('@inquirer/prompts');

export type ApprovalChoice = { readonly kind: 'all' } | { readonly kind: 'some'; readonly nodes: readonly string[] } | { readonly kind: 'abort' };

/**
 * Asks which nodes to apply to. Only called on a terminal; the CLI refuses non-interactive use
 * without --yes. Ctrl-C or a closed terminal in the prompt is an abort: nothing is changed.
 */
export async function askApproval(nodes: readonly NodePlan[]): Promise<ApprovalChoice> {
  try {
    return await approval(nodes);
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') return { kind: 'abort' };
    throw error;
  }
}

async function approval(nodes: readonly NodePlan[]): Promise<ApprovalChoice> {
  const withChanges = nodes.filter((node) => node.status === 'changes' && !wouldRefuse(node));
  return pickNodes(
    withChanges.map((node) => ({ name: node.name, label: `${node.name} (${node.changes.length} changes${node.restarts.length ? `, restarts ${node.restarts.join(', ')}` : ''})` })),
    { question: (n) => `Apply these changes to ${n} node(s)?`, all: (n) => `Apply to all ${n} node(s)`, pick: 'Nodes to apply to (space to select, enter to confirm)' },
  );
}

export interface PickWords {
  readonly question: (count: number) => string;
  readonly all: (count: number) => string;
  readonly pick: string;
}

/** All, some (a checkbox list) or none of the nodes: the question apply and rollback ask. */
async function pickNodes(nodes: readonly { name: string; label: string }[], words: PickWords): Promise<ApprovalChoice> {
  const { checkbox, select } = await inquirer();
  const answer = await select({
    message: words.question(nodes.length),
    choices: [
      { name: words.all(nodes.length), value: 'all' as const },
      { name: 'Pick nodes…', value: 'some' as const },
      { name: 'Abort (change nothing)', value: 'abort' as const },
    ],
    default: 'abort',
  });
  if (answer !== 'some') return { kind: answer };
  const picked = await checkbox({ message: words.pick, choices: nodes.map((node) => ({ name: node.label, value: node.name })) });
  return picked.length === 0 ? { kind: 'abort' } : { kind: 'some', nodes: picked };
}

/** `nodeward rollback`: which nodes to roll back (their preview is on screen). Ctrl-C is an abort. */
export async function askRollbackApproval(nodes: readonly { name: string; label: string }[]): Promise<ApprovalChoice> {
  try {
    return await pickNodes(nodes, { question: (n) => `Roll back ${n} node(s)?`, all: (n) => `Roll back all ${n} node(s)`, pick: 'Nodes to roll back (space to select, enter to confirm)' });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') return { kind: 'abort' };
    throw error;
  }
}

/** The rollout's one initial question (the wave plan is on screen). Ctrl-C in the prompt is a no. */
export async function askRolloutApproval(nodes: number): Promise<boolean> {
  try {
    const { confirm } = await inquirer();
    return await confirm({ message: `Start the rollout to ${nodes} node(s), canary first?`, default: false });
  } catch {
    return false;
  }
}

/** `--pause`: asked before each wave after the canary. Anything but yes stops the line. */
export async function askNextWave(label: string): Promise<boolean> {
  try {
    const { confirm } = await inquirer();
    return await confirm({ message: `Start ${label}?`, default: false });
  } catch {
    return false;
  }
}
