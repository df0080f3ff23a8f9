import { step, type NodeContext } from './context.ts';

/**
 * Runs `body` (a drain and what it guards, or the restarts) holding one of `--max-unavailable`'s
 * slots; a node already holding one (a restart inside its drain) does not take a second.
 */
export async function whileUnavailable<T>(ctx: NodeContext, body: () => Promise<T>): Promise<T> {
  const slots = ctx.deps.unavailable;
  if (!slots || ctx.ledger.unavailable) return body();
  step(ctx, 'wait-unavailable', `at most ${slots.limit} node(s) unavailable at once`);
  const release = await slots.acquire();
  ctx.ledger.unavailable = true;
  try {
    return await body();
  } finally {
    ctx.ledger.unavailable = false;
    release();
  }
}
