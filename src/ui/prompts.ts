import type { NodePlan } from '../plan/types.ts';

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
  const { checkbox, select } = await inquirer();
  const withChanges = nodes.filter((node) => node.status === 'changes');
  const answer = await select({
    message: `Apply these changes to ${withChanges.length} node(s)?`,
    choices: [
      { name: `Apply to all ${withChanges.length} node(s)`, value: 'all' as const },
      { name: 'Pick nodes…', value: 'some' as const },
      { name: 'Abort (change nothing)', value: 'abort' as const },
    ],
    default: 'abort',
  });
  if (answer !== 'some') return { kind: answer };
  const picked = await checkbox({
    message: 'Nodes to apply to (space to select, enter to confirm)',
    choices: withChanges.map((node) => ({ name: `${node.name} (${node.changes.length} changes${node.restarts.length ? `, restarts ${node.restarts.join(', ')}` : ''})`, value: node.name })),
  });
  return picked.length === 0 ? { kind: 'abort' } : { kind: 'some', nodes: picked };
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
