import type { Check } from './controls.ts';
import { executeItem, type AuditUsed, type TestOutput } from './test-item.ts';

/** check/check.go State. */
export type State = 'PASS' | 'FAIL' | 'WARN' | 'INFO';

/** What running one audit command gave: kube-bench runs it as `/bin/sh` with the command on stdin, stdout and stderr together. */
export interface CommandResult {
  readonly output: string;
  readonly exitCode: number;
}

export interface CheckVerdict {
  readonly id: string;
  readonly text: string;
  readonly scored: boolean;
  readonly state: State;
  /** check.go Reason: why, when no test decided (an audit that failed to run, no tests, manual). */
  readonly reason: string;
  /** The tests' combined result, when they ran. */
  readonly testResult: boolean | undefined;
  readonly actualValue: string;
  readonly expectedResult: string;
}

/** The commands a check runs, in check.go runAuditCommands order (empty ones are not run). */
export function auditCommands(check: Check): string[] {
  return [check.auditEnv, check.audit, check.auditConfig].map((c) => c.trim()).filter((c) => c !== '');
}

/** check.go runAudit: an empty command gives "" and no error; a non-zero exit is an error quoting the output. */
function runAudit(command: string, results: ReadonlyMap<string, CommandResult>): { output: string; error: string | undefined } {
  const audit = command.trim();
  if (audit === '') return { output: '', error: undefined };
  const r = results.get(audit);
  if (!r) throw new Error(`the audit ${JSON.stringify(audit)} was not run on the node`);
  // Go's exec.ExitError reads "exit status N" (a signal: "signal: …", not modelled: the shell reports 128+N)
  const error = r.exitCode === 0 ? undefined : `failed to run: ${JSON.stringify(audit)}, output: ${JSON.stringify(r.output)}, error: exit status ${r.exitCode}`;
  return { output: r.output, error };
}

interface Outputs {
  readonly audit: string;
  readonly auditEnv: string;
  readonly auditConfig: string;
}

/** check.go runAuditCommands. */
function runAuditCommands(check: Check, results: ReadonlyMap<string, CommandResult>): { outputs: Outputs; error: string | undefined } {
  let auditEnv = '';
  if (check.auditEnv !== '') {
    const env = runAudit(check.auditEnv, results);
    if (env.error) return { outputs: { audit: '', auditEnv: env.output, auditConfig: '' }, error: env.error };
    auditEnv = env.output;
  }
  const audit = runAudit(check.audit, results);
  if (audit.error) return { outputs: { audit: audit.output, auditEnv, auditConfig: '' }, error: audit.error };
  const config = runAudit(check.auditConfig, results);
  // a config file that is not there (exit 127, or "No such file or directory") is no error
  // when the audit command or the environment said something
  if (config.error && (config.error.includes('exit status 127') || config.error.includes('No such file or directory')) && (auditEnv !== '' || audit.output !== '')) {
    return { outputs: { audit: audit.output, auditEnv, auditConfig: '' }, error: undefined };
  }
  return { outputs: { audit: audit.output, auditEnv, auditConfig: config.output }, error: config.error };
}

/** check.go execute: each item on the command's output, then the config's (path), then the environment's. */
function execute(check: Check, outputs: Outputs): { output: TestOutput; error: string | undefined } {
  const tests = check.tests;
  if (!tests) throw new Error('execute without tests');
  const results = tests.testItems.map((item): TestOutput => {
    const run = (used: AuditUsed, output: string) => executeItem(item, used, output, check.useMultipleValues);
    let result = run('auditCommand', outputs.audit);
    if (!result.flagFound && check.auditConfig !== '' && outputs.auditConfig !== '') {
      result = run('auditConfig', outputs.auditConfig);
      if (!result.flagFound && item.env !== '') result = run('auditEnv', outputs.auditEnv);
    }
    if (!result.flagFound && item.env !== '') result = run('auditEnv', outputs.auditEnv);
    return result;
  });
  const first = results[0]?.actualResult ?? '';
  switch (tests.binOp) {
    case '':
    case 'and':
      return { output: { testResult: results.every((r) => r.testResult), flagFound: false, actualResult: first, expectedResult: results.map((r) => r.expectedResult).join(' AND ') }, error: undefined };
    case 'or':
      return { output: { testResult: results.some((r) => r.testResult), flagFound: false, actualResult: first, expectedResult: results.map((r) => r.expectedResult).join(' OR ') }, error: undefined };
    default:
      return { output: { testResult: false, flagFound: false, actualResult: `unknown binary operator for tests ${tests.binOp}\n`, expectedResult: '' }, error: `unknown binary operator for tests ${tests.binOp}` };
  }
}

// check.go auditAccessError: kubectl could not reach the API server (a WARN, never a verdict)
const ACCESS_ERRORS = ['Error from server', 'error: You must be logged in to the server', 'Unable to connect to the server', 'The connection to the server'];

/** check.go Check.run, given what each of the check's audit commands printed and how it exited. */
export function runCheck(check: Check, results: ReadonlyMap<string, CommandResult>): CheckVerdict {
  const base = { id: check.id, text: check.text, scored: check.scored, testResult: undefined, actualValue: '', expectedResult: '' };
  const failOrWarn: State = check.scored ? 'FAIL' : 'WARN';
  if (check.scored && check.type.trim() === '' && check.tests === undefined) return { ...base, state: 'WARN', reason: 'There are no tests' };
  if (check.type === 'skip') return { ...base, state: 'INFO', reason: 'Test marked as skip' };
  if (check.type === 'manual') return { ...base, state: 'WARN', reason: 'Test marked as a manual test' };
  if (!check.tests || check.tests.testItems.length === 0) return { ...base, state: failOrWarn, reason: 'No tests defined' };
  if (check.tests.testItems.some((item) => item.env !== '') && check.auditEnv === '') {
    // cmd/common.go generateDefaultEnvAudit would make one from the running binary; no vendored check needs it
    throw new Error(`${check.id}: env test items without audit_env are not modelled`);
  }
  const { outputs, error: auditError } = runAuditCommands(check, results);
  let error = auditError;
  let output: TestOutput | undefined;
  if (!error) ({ output, error } = execute(check, outputs));
  const access = outputs.audit.split('\n').map((l) => l.trim()).find((l) => ACCESS_ERRORS.some((p) => l.startsWith(p)));
  if (access !== undefined) return { ...base, state: 'WARN', reason: access, actualValue: outputs.audit };
  let state: State = failOrWarn;
  if (output) state = output.testResult ? 'PASS' : failOrWarn;
  if (error) state = failOrWarn;
  return {
    ...base,
    state,
    reason: error ?? '',
    testResult: output?.testResult,
    actualValue: output?.actualResult ?? '',
    expectedResult: output?.expectedResult ?? '',
  };
}
