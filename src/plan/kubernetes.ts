import type { KubeNodeState } from '../config/types.ts';
import type { GuardFailure, NodePlan } from './types.ts';

export const NOT_READY_GUARD = 'node-not-ready';

/** "Ready", "NotReady", "Unknown" (as kubectl's STATUS column), with ",SchedulingDisabled" when cordoned. */
export function describeKubeState(state: KubeNodeState): string {
  const ready = state.ready === 'True' ? 'Ready' : state.ready === 'False' ? 'NotReady' : state.ready === 'Unknown' ? 'Unknown' : 'no Ready condition';
  return `${ready}${state.cordoned ? ', cordoned' : ''}${state.kubeletVersion ? `, kubelet ${state.kubeletVersion}` : ''}`;
}

/**
 * The node's Kubernetes state joins its plan; a node that is not Ready before the run is refused
 * for a change that restarts the kubelet (unless `allowNotReady`): the health gate waits for
 * Ready after the restart, and could not tell the node's own failure from one of ours. Not when an
 * unfinished run of nodeward is on the node: that run is why, and apply finishes it first.
 */
export function withKubernetes(node: NodePlan, state: KubeNodeState | undefined, allowNotReady: boolean): NodePlan {
  if (!state) return node;
  const planned: NodePlan = { ...node, kubernetes: state };
  if (allowNotReady || state.ready === 'True' || node.status !== 'changes' || !node.restarts.includes('kubelet')) return planned;
  // a run of ours left unfinished on the node (restarts owed, a half-written change) explains the
  // state: apply finishes or rolls it back first, behind the same gate, and the next run must be able to
  if ((node.pendingRuns ?? []).length > 0) return planned;
  const refusal: GuardFailure = {
    guard: NOT_READY_GUARD,
    message: `its Node is ${describeKubeState(state)} before the run: the kubelet restart's health gate could not tell its failure from this change's`,
    fix: 'bring the node back to Ready first, or pass --allow-not-ready to restart its kubelet all the same',
  };
  return { ...planned, refusal: [...(node.refusal ?? []), refusal] };
}
