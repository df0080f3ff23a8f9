import type { HostSpec } from '../config/types.ts';
import type { NodePlan } from '../plan/types.ts';

export type PlanStep = 'connect' | 'facts' | 'plan';

/** How the planner reports progress. The UI implements it; the planner never imports a UI. */
export interface PlanHooks {
  readonly nodeStep?: (host: HostSpec, step: PlanStep) => void;
  readonly nodeDone?: (host: HostSpec, plan: NodePlan) => void;
}
