export interface Terminal {
  readonly stdoutTty: boolean;
  /**
   * Progress can be drawn live (listr2): stdout and stderr are terminals (listr2 draws on stdout and
   * would write its fallback lines into a pipe) at least MIN_COLUMNS wide. Otherwise progress is
   * plain lines on stderr.
   */
  readonly liveProgress: boolean;
  readonly color: boolean;
}

/** Narrower than this (a pty of 0 columns, as CI runners and `script` without a size give) live progress draws one character per line. */
export const MIN_COLUMNS = 20;

export function detectTerminal(colorFlag: boolean | undefined): Terminal {
  const stdoutTty = process.stdout.isTTY === true;
  const liveProgress = stdoutTty && process.stderr.isTTY === true && (process.stdout.columns ?? 0) >= MIN_COLUMNS;
  const envAllows = process.env['NO_COLOR'] === undefined && process.env['TERM'] !== 'dumb';
  return { stdoutTty, liveProgress, color: colorFlag ?? (stdoutTty && envAllows) };
}
