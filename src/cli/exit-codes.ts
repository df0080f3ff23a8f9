import { ConfigError, NodewardError, UsageError } from '../util/errors.ts';

/**
 * Exit codes a script can act on. 0: done, nothing pending. 1: an error (some node failed or the
 * input is bad). 2: changes pending (plan) or drift found. 3: apply rolled back at least one
 * node (they are back where they were). 4: a rollback failed: a node needs hands-on attention.
 * 5: some nodes were unreachable and nothing else went wrong (`drift`: the others were judged).
 * 6 (`drift`): drift found on some nodes and others unreachable: neither finding hides the other
 * (`--exit-on drift|unreachable` picks 2 or 5 instead). 130: interrupted.
 */
export const EXIT = {
  ok: 0,
  error: 1,
  changes: 2,
  rolledBack: 3,
  rollbackFailed: 4,
  unreachable: 5,
  driftAndUnreachable: 6,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The one place errors become exit codes and messages. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof ConfigError || error instanceof UsageError) return EXIT.error;
  if (error instanceof NodewardError && error.code === 'cancelled') return EXIT.interrupted;
  return EXIT.error;
}

export function messageFor(error: unknown): string {
  if (error instanceof ConfigError) return `error: invalid input, nothing was changed:\n${error.message}`;
  if (error instanceof NodewardError) {
    const where = error.host ? ` (${error.host}${error.hop ? `, at the ${error.hop}` : ''})` : '';
    const internal = error.code === 'internal' ? '\nThis is a bug in nodeward; please report it with the command you ran.' : '';
    return `error${where}: ${error.message}${internal}`;
  }
  if (error instanceof Error) return `error: ${error.message}\nThis is a bug in nodeward; please report it.\n${error.stack ?? ''}`;
  return `error: ${String(error)}`;
}
