import { Listr, type ListrDefaultRenderer, type ListrSimpleRenderer, type ListrTaskWrapper } from 'listr2';
import type { HostSpec } from '../config/types.ts';
import type { NodePlan } from '../plan/types.ts';
import type { PlanHooks, PlanStep } from '../run/hooks.ts';

export interface Progress {
  readonly hooks: PlanHooks;
  /** Resolves when the display has finished drawing. */
  finish(): Promise<void>;
}

export interface ProgressOptions {
  readonly tty: boolean;
  readonly quiet: boolean;
  readonly write: (line: string) => void;
}

/** Above this many nodes the terminal shows one counter instead of a line per node. */
const PER_NODE_LIMIT = 20;

export function createPlanProgress(hosts: readonly HostSpec[], options: ProgressOptions): Progress {
  if (options.quiet) return { hooks: {}, finish: async () => {} };
  if (!options.tty) return plainProgress(options.write);
  return hosts.length <= PER_NODE_LIMIT ? perNodeProgress(hosts) : counterProgress(hosts.length);
}

function outcome(plan: NodePlan): string {
  if (plan.status === 'error') return `error: ${plan.error?.message.split('\n')[0] ?? ''}`;
  if (plan.status === 'in-sync') return 'in sync';
  return `${plan.changes.length} change(s)`;
}

/**
 * Cron, CI and pipes: one line per node when it is done. A failure at the bastion is one cause
 * for every node behind it: said once (the plan names the nodes); nodes an interruption cut
 * short are left to the plan's one line about them.
 */
function plainProgress(write: (line: string) => void): Progress {
  const said = new Set<string>();
  return {
    hooks: {
      nodeDone: (host, plan) => {
        if (plan.error?.code === 'cancelled') return;
        if (plan.error?.hop === 'bastion') {
          const message = plan.error.message.split('\n')[0] ?? '';
          if (!said.has(message)) write(`${message} (every node through this bastion is affected)\n`);
          said.add(message);
          return;
        }
        write(`${host.name}: ${outcome(plan)}\n`);
      },
    },
    finish: async () => {},
  };
}

interface Deferred {
  promise: Promise<NodePlan>;
  resolve: (plan: NodePlan) => void;
}

function deferred(): Deferred {
  let resolve: (plan: NodePlan) => void = () => {};
  const promise = new Promise<NodePlan>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

type Task = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;

function perNodeProgress(hosts: readonly HostSpec[]): Progress {
  const done = new Map(hosts.map((host) => [host.name, deferred()]));
  const tasks = new Map<string, Task>();
  const list = new Listr(
    hosts.map((host) => ({
      title: host.name,
      task: async (_ctx: unknown, task: Task) => {
        tasks.set(host.name, task);
        const plan = await (done.get(host.name) as Deferred).promise;
        task.title = `${host.name}: ${plan.error?.code === 'cancelled' ? 'not planned (interrupted)' : outcome(plan)}`;
        if (plan.status === 'error' && plan.error?.code !== 'cancelled') throw new Error(task.title);
      },
    })),
    { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false }, fallbackRenderer: 'simple' },
  );
  const running = list.run().catch(() => undefined);
  const stepTitle: Record<PlanStep, string> = { connect: 'connecting', facts: 'reading facts', plan: 'planning' };
  return {
    hooks: {
      nodeStep: (host, step) => {
        const task = tasks.get(host.name);
        if (task) task.title = `${host.name}: ${stepTitle[step]}`;
      },
      nodeDone: (host, plan) => done.get(host.name)?.resolve(plan),
    },
    finish: async () => {
      await running;
    },
  };
}

function counterProgress(total: number): Progress {
  let finished = 0;
  let errors = 0;
  let allDone: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  let task: Task | undefined;
  const title = (): string => `planned ${finished}/${total} nodes${errors > 0 ? `, ${errors} with errors` : ''}`;
  const list = new Listr(
    [
      {
        title: title(),
        task: async (_ctx: unknown, t: Task) => {
          task = t;
          await all;
          t.title = title();
        },
      },
    ],
    { fallbackRenderer: 'simple' },
  );
  const running = list.run().catch(() => undefined);
  return {
    hooks: {
      nodeDone: (_host, plan) => {
        finished++;
        if (plan.status === 'error') errors++;
        if (task) task.title = title();
        if (finished === total) allDone();
      },
    },
    finish: async () => {
      allDone();
      await running;
    },
  };
}
