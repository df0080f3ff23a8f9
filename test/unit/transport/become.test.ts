import { describe, expect, it } from 'vitest';
import { becomeError, remoteCommand, SCRIPT_PRELUDE, sudoRefusal, usesSudo } from '../../../src/transport/become.ts';
import type { HostSpec } from '../../../src/config/types.ts';

const host = (user: string, become: 'sudo' | 'none'): HostSpec => ({
  name: 'node-1',
  address: '198.19.0.11',
  port: 22,
  user,
  identityFile: undefined,
  become,
  labels: {},
  groups: [],
  vars: {},
});
const run = (exitCode: number | null, stderr: string, stdout = '') => ({
  exitCode,
  signal: null,
  stdout: Buffer.from(stdout),
  stderr: Buffer.from(stderr),
});

describe('become', () => {
  it('uses sudo -n only for non-root users with become: sudo, unless turned off', () => {
    expect(usesSudo(host('ops', 'sudo'), undefined)).toBe(true);
    expect(usesSudo(host('ops', 'sudo'), false)).toBe(false);
    expect(usesSudo(host('root', 'sudo'), true)).toBe(false);
    expect(usesSudo(host('ops', 'none'), true)).toBe(false);
    expect(remoteCommand(true)).toBe('sudo -n /bin/sh -s');
    expect(remoteCommand(false)).toBe('/bin/sh -s');
    expect(SCRIPT_PRELUDE.text).toContain('/usr/sbin');
  });

  it('recognises sudo refusing, and only that', () => {
    expect(sudoRefusal(run(1, 'sudo: a password is required\n'))).toBe('sudo: a password is required');
    expect(sudoRefusal(run(1, 'sudo: a terminal is required to read the password; either use the -S option\n'))).toMatch(/terminal/);
    expect(sudoRefusal(run(1, 'sudo: ops is not in the sudoers file.  This incident will be reported.\n'))).toMatch(/sudoers/);
    expect(sudoRefusal(run(127, 'sh: 1: sudo: not found\n'))).toBe('sudo is not installed');
    // The script ran and failed by itself: not a become problem.
    expect(sudoRefusal(run(1, 'sudo: a password is required\n', 'partial'))).toBeUndefined();
    expect(sudoRefusal(run(1, 'grep: x: No such file\n'))).toBeUndefined();
    expect(sudoRefusal(run(1, ''))).toBeUndefined();
    expect(sudoRefusal(run(0, 'sudo: a password is required\n'))).toBeUndefined();
  });

  it('tells how to fix it', () => {
    const error = becomeError(host('pwuser', 'sudo'), 'sudo: a password is required');
    expect(error.message).toContain('pwuser@198.19.0.11');
    expect(error.message).toContain('NOPASSWD');
    expect(error).toMatchObject({ code: 'become', host: 'node-1', hop: 'node' });
  });
});
