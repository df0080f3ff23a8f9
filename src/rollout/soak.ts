import pLimit from 'p-limit';
import type { ApplyHooks } from '../apply/types.ts';
import type { HostSpec } from '../config/types.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import { sleep } from '../transport/retry.ts';
import type { HealthCheck } from './node-health.ts';

export interface SoakTarget {
  readonly host: HostSpec;
  readonly services: readonly ServiceToRestart[];
}

export interface SoakOptions {
  readonly durationMs: number;
  readonly intervalMs: number;
  /** Failed checks in a row that make a node unhealthy (one lost probe is not a NotReady node). */
  readonly strikes: number;
  readonly concurrency: number;
  readonly check: HealthCheck;
  readonly hooks: ApplyHooks;
  readonly signal: AbortSignal | undefined;
}

export interface SoakResult {
  readonly unhealthy: readonly { readonly host: HostSpec; readonly reason: string }[];
  readonly interrupted: boolean;
}

/**
 * Holds a finished wave for `durationMs`, checking its nodes every `intervalMs`. Ends early, for the
 * line to stop at once, as soon as a node is unhealthy `strikes` checks in a row; a node on a strike
 * when the time is up is checked again until it is cleared or out.
 */
export async function soakWave(targets: readonly SoakTarget[], options: SoakOptions): Promise<SoakResult> {
  const limit = pLimit(Math.max(1, options.concurrency));
  const strikes = new Map<string, number>();
  const unhealthy: { host: HostSpec; reason: string }[] = [];
  const deadline = Date.now() + options.durationMs;
  options.hooks.soak?.({ kind: 'start', hosts: targets.map((t) => t.host), seconds: Math.round(options.durationMs / 1000) });
  let interrupted = false;
  for (;;) {
    const reasons = await Promise.all(targets.map((target) => limit(() => options.check(target.host, target.services))));
    for (const [i, reason] of reasons.entries()) {
      const target = targets[i];
      if (!target) continue;
      const count = reason === undefined ? 0 : (strikes.get(target.host.name) ?? 0) + 1;
      strikes.set(target.host.name, count);
      if (reason !== undefined && count >= options.strikes) {
        unhealthy.push({ host: target.host, reason });
        options.hooks.soak?.({ kind: 'unhealthy', host: target.host, reason });
      }
    }
    const healthy = reasons.filter((r) => r === undefined).length;
    options.hooks.soak?.({ kind: 'check', remainingMs: Math.max(0, deadline - Date.now()), healthy, total: targets.length });
    if (unhealthy.length > 0) break;
    if (Date.now() >= deadline && [...strikes.values()].every((n) => n === 0)) break;
    const remaining = deadline - Date.now();
    // past the deadline only nodes on a strike are still being decided: keep the same pace
    const aborted = await sleep(remaining > 0 ? Math.min(options.intervalMs, remaining) : options.intervalMs, options.signal).then(
      () => false,
      () => true,
    );
    if (aborted) {
      interrupted = true;
      break;
    }
  }
  options.hooks.soak?.({ kind: 'end', ok: unhealthy.length === 0 && !interrupted });
  return { unhealthy, interrupted };
}
