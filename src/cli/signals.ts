import { CancelledError } from '../util/errors.ts';

/**
 * Ctrl-C / SIGTERM abort the run's signal: nothing new starts, work in flight finishes or rolls
 * back. A second Ctrl-C exits at once.
 */
export function abortOnSignals(onFirst: (signal: NodeJS.Signals) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    onFirst(signal);
    // typed, so that each node cut short is reported as not done (once, grouped), not as an error of its own
    controller.abort(new CancelledError(`interrupted by ${signal}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
