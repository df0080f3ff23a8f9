import { Listr, type ListrDefaultRenderer, type ListrSimpleRenderer, type ListrTaskWrapper } from 'listr2';
import type { ApplyHooks, ApplyStep, NodeOutcome, SoakEvent } from '../apply/types.ts';
import type { HostSpec } from '../config/types.ts';
import { describeDrain, describeSoak, describeWave } from './render-rollout.ts';

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
  'wait-unavailable': 'waiting for a free slot (--max-unavailable):',
};

function describe(outcome: NodeOutcome): string {
  const restarted = outcome.restarted.length > 0 ? `, restarted ${outcome.restarted.join(', ')}` : '';
  const reason = outcome.reason ? `: ${outcome.reason}` : '';
  return `${outcome.status}${outcome.status === 'applied' ? ` (${outcome.changes} changes${restarted})` : reason}`;
}

/** Apply (and rollout) progress: a listr2 task per node of the running batch or wave on a terminal, plain lines otherwise. */
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
        waveStart: (wave) => options.write(`${describeWave(wave)}\n`),
        soak: (event) => {
          if (event.kind !== 'check') options.write(`${describeSoak(event)}\n`);
        },
        drainStep: (host, step, detail) => options.write(`${host.name}: ${describeDrain(step, detail)}\n`),
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
  // one list draws at a time: the next batch, wave or soak waits for the previous drawing to end
  const draw = (list: { run: () => Promise<unknown> }): void => {
    current = current.then(() => list.run()).catch(() => undefined);
  };
  const group = (title: string, hosts: readonly HostSpec[]): void => {
    for (const host of hosts) {
      inBatch.add(host.name);
      slot(host.name);
    }
    const list = new Listr(
      [
        {
          title,
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
    draw(list);
  };
  const resolved = new Set<string>();
  return {
    hooks: {
      batchStart: (index, total, hosts) => group(`batch ${index + 1}/${total} (${hosts.length} node${hosts.length === 1 ? '' : 's'})`, hosts),
      waveStart: (wave) => group(describeWave(wave), wave.hosts),
      soak: soakTask(draw, options.write),
      nodeStep: (host, step, detail) => {
        const task = tasks.get(host.name);
        if (task) task.title = `${host.name}: ${STEP_TITLE[step]}${detail ? ` ${detail}` : ''}`;
      },
      drainStep: (host, step, detail) => {
        const task = tasks.get(host.name);
        if (task && !resolved.has(host.name)) task.title = `${host.name}: ${describeDrain(step, detail)}`;
        else options.write(`${host.name}: ${describeDrain(step, detail)}\n`);
      },
      nodeDone: (host, outcome) => {
        // a second outcome (a rollout rolls back a node that went unhealthy in its soak) gets its own line
        if (inBatch.has(host.name) && !resolved.has(host.name)) slot(host.name).resolve(outcome);
        else options.write(`${host.name}: ${describe(outcome)}\n`);
        resolved.add(host.name);
      },
      warn,
    },
    finish: async () => {
      await current;
    },
  };
}

/** The soak as one listr2 task whose title counts down; it ends with the soak. */
function soakTask(draw: (list: { run: () => Promise<unknown> }) => void, write: (line: string) => void): (event: SoakEvent) => void {
  let task: Task | undefined;
  let end: (ok: boolean) => void = () => {};
  let title = '';
  return (event) => {
    if (event.kind === 'start') {
      title = describeSoak(event);
      const ended = new Promise<boolean>((resolve) => {
        end = resolve;
      });
      draw(
        new Listr(
          [
            {
              title,
              task: async (_ctx: unknown, t: Task) => {
                task = t;
                t.title = title;
                const ok = await ended;
                if (!ok) throw new Error(title);
              },
            },
          ],
          { exitOnError: false, rendererOptions: { collapseErrors: false }, fallbackRenderer: 'simple' },
        ),
      );
      return;
    }
    if (event.kind === 'end') {
      title = describeSoak(event);
      if (task) task.title = title;
      end(event.ok);
      return;
    }
    title = describeSoak(event);
    if (task) task.title = title;
    if (event.kind === 'unhealthy') write(`${title}\n`);
  };
}
