/**
 * Typed errors. Every error that can reach the operator is a NodewardError carrying a
 * stable `code`; host-scoped errors also carry the host and the hop (bastion or node)
 * where it happened. Only src/cli/ maps them to exit codes.
 */
export type Hop = 'bastion' | 'node' | 'local';

export interface ErrorScope {
  readonly host?: string | undefined;
  readonly hop?: Hop | undefined;
  readonly cause?: unknown;
}

export class NodewardError extends Error {
  readonly code: string;
  readonly host: string | undefined;
  readonly hop: Hop | undefined;

  constructor(code: string, message: string, scope: ErrorScope = {}) {
    super(message, scope.cause === undefined ? undefined : { cause: scope.cause });
    this.name = new.target.name;
    this.code = code;
    this.host = scope.host;
    this.hop = scope.hop;
  }
}

/** A position in an input file, 1-based like every editor shows it. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface ConfigIssue extends SourcePosition {
  readonly message: string;
}

/** Bad inventory, playbook, plan file or flag value. Nothing on any node was touched. */
export class ConfigError extends NodewardError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super('config', issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}

/** A command-line usage problem (unknown flag value, missing argument). */
export class UsageError extends NodewardError {
  constructor(message: string) {
    super('usage', message);
  }
}

export type ConnectFailure =
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'auth'
  | 'hostkey-unknown'
  | 'hostkey-changed'
  | 'banner'
  | 'channel'
  | 'closed'
  | 'protocol';

/** Could not reach or authenticate to a host (at the bastion or at the node). */
export class ConnectError extends NodewardError {
  readonly failure: ConnectFailure;
  constructor(failure: ConnectFailure, message: string, scope: ErrorScope) {
    super(`connect-${failure}`, message, scope);
    this.failure = failure;
  }
}

/** sudo needs a password (or is not allowed) for the login user. */
export class BecomeError extends NodewardError {
  constructor(message: string, scope: ErrorScope) {
    super('become', message, scope);
  }
}

/** A remote command failed, timed out or was cut off. */
export class RemoteCommandError extends NodewardError {
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly timedOut: boolean;
  /**
   * The node itself ended the script at its deadline and said so: nothing of it runs any more.
   * Otherwise a timeout is the controller's, and the node ends the script once it sees the
   * channel close.
   */
  readonly endedOnNode: boolean;
  constructor(
    message: string,
    details: { exitCode: number | null; stderr: string; timedOut: boolean; endedOnNode?: boolean },
    scope: ErrorScope,
  ) {
    super(details.timedOut ? 'remote-timeout' : 'remote-command', message, scope);
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
    this.timedOut = details.timedOut;
    this.endedOnNode = details.endedOnNode ?? false;
  }
}

/** The node answered with output we cannot trust (garbage, oversized, malformed). */
export class FactsError extends NodewardError {
  constructor(message: string, scope: ErrorScope) {
    super('facts', message, scope);
  }
}

/** The run was cancelled (Ctrl-C / SIGTERM) before this host was started. */
export class CancelledError extends NodewardError {
  constructor(message = 'cancelled') {
    super('cancelled', message);
  }
}

/** A bug in nodeward: please report it. */
export class InternalError extends NodewardError {
  constructor(message: string, cause?: unknown) {
    super('internal', message, { cause });
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
