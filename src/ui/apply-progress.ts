import { Listr, type ListrDefaultRenderer, type ListrSimpleRenderer, type ListrTaskWrapper } from 'listr2';
import type { ApplyHooks, ApplyStep, NodeOutcome } from '../apply/types.ts';
import type { HostSpec } from '../config/types.ts';

export interface ApplyProgress {
  readonly hooks: ApplyHooks;
  finish(): Promise<void>;
}

type Task = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;

const STEP_TITLE: Record<ApplyStep, string> = {
  lock: 'locking',
  recover: 'finishing an interrupted run',
  facts: 'reading facts',
  guard: 'checking guards',
  backup: 'backing up',
  write: 'writing',
  restart: 'restarting',
  gate: 'waiting for health',
  rollback: 'ROLLING BACK',
  unlock: 'unlocking',
};

function describe(outcome: NodeOutcome): string {
  const restarted = outcome.restarted.length > 0 ? `, restarted ${outcome.restarted.join(', ')}` : '';
  const reason = outcome.reason ? `: ${outcome.reason}` : '';
  return `${outcome.status}${outcome.status === 'applied' ? ` (${outcome.changes} changes${restarted})` : reason}`;
}

/** Apply progress: a listr2 task per node of the running batch on a terminal, plain lines otherwise. */
export function createApplyProgress(options: { readonly tty: boolean; readonly quiet: boolean; readonly write: (line: string) => void }): ApplyProgress {
  const warn = (host: HostSpec | undefined, message: string): void => options.write(`warning: ${host ? `${host.name}: ` : ''}${message}\n`);
  if (options.quiet) return { hooks: { warn }, finish: async () => {} };
  if (!options.tty) {
    return {
      hooks: {
        batchStart: (index, total, hosts) => options.write(`batch ${index + 1}/${total}: ${hosts.map((h) => h.name).join(', ')}\n`),
        nodeStep: (host, step, detail) => options.write(`${host.name}: ${STEP_TITLE[step]}${detail ? ` ${detail}` : ''}\n`),
        nodeDone: (host, outcome) => options.write(`${host.name}: ${describe(outcome)}\n`),
        warn,
      },
      finish: async () => {},
    };
  }
  const tasks = new Map<string, Task>();
  // One settled-or-pending outcome per node of the running batch: a node may finish before listr2 starts its task.
  const outcomes = new Map<string, { promise: Promise<NodeOutcome>; resolve: (outcome: NodeOutcome) => void }>();
  const slot = (name: string) => {
    let entry = outcomes.get(name);
    if (!entry) {
      let resolve: (outcome: NodeOutcome) => void = () => {};
      const promise = new Promise<NodeOutcome>((r) => {
        resolve = r;
      });
      entry = { promise, resolve };
      outcomes.set(name, entry);
    }
    return entry;
  };
  const inBatch = new Set<string>();
  let current: Promise<unknown> = Promise.resolve();
  return {
    hooks: {
      batchStart: (index, total, hosts) => {
        for (const host of hosts) {
          inBatch.add(host.name);
          slot(host.name);
        }
        const list = new Listr(
          [
            {
              title: `batch ${index + 1}/${total} (${hosts.length} node${hosts.length === 1 ? '' : 's'})`,
              task: (_ctx: unknown, batch: Task) =>
                batch.newListr(
                  hosts.map((host) => ({
                    title: host.name,
                    task: async (_c: unknown, task: Task) => {
                      tasks.set(host.name, task);
                      const outcome = await slot(host.name).promise;
                      task.title = `${host.name}: ${describe(outcome)}`;
                      if (outcome.status !== 'applied' && outcome.status !== 'in-sync') throw new Error(task.title);
                    },
                  })),
                  { concurrent: true, exitOnError: false },
                ),
            },
          ],
          { exitOnError: false, rendererOptions: { collapseSubtasks: false, collapseErrors: false }, fallbackRenderer: 'simple' },
        );
        current = list.run().catch(() => undefined);
      },
      nodeStep: (host, step, detail) => {
        const task = tasks.get(host.name);
        if (task) task.title = `${host.name}: ${STEP_TITLE[step]}${detail ? ` ${detail}` : ''}`;
      },
      nodeDone: (host, outcome) => {
        if (inBatch.has(host.name)) slot(host.name).resolve(outcome);
        else options.write(`${host.name}: ${describe(outcome)}\n`);
      },
      warn,
    },
    finish: async () => {
      await current;
    },
  };
}
