import type { Script } from '../../../src/node/sh.ts';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confirmScript, parseConfirmOutput, parseRevertState, revertStateScript } from '../../../src/apply/scripts/arm.ts';
import { parseWriteOutput, writeScript } from '../../../src/apply/scripts/write.ts';
import type { Operation } from '../../../src/plan/types.ts';
import { localTransport } from '../../fakes/local-transport.ts';

// The node-side dead-man timer with /bin/sh on temp files: a detached sleeper that reverts the
// run unless a confirmation claims it first.
let dir: string;
let state: string;
const sh = localTransport();
const exec = async (script: Script) => (await sh.exec(script)).stdout;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const RUN = '20261126T000000Z-abcdef';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-arm-'));
  state = join(dir, 'state');
  await mkdir(join(dir, 'etc'));
  await writeFile(join(dir, 'etc', 'sshd.conf'), 'old\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ops(seconds: number): Operation[] {
  return [
    { op: 'writeFile', path: join(dir, 'etc', 'sshd.conf'), content: b64('new\n'), mode: '0600', owner: 'root', group: 'root' },
    { op: 'confirm', seconds },
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('revert timer (local sh)', () => {
  it('reverts the run by itself when nothing confirms it, and a late confirmation says so', async () => {
    const out = parseWriteOutput(await exec(writeScript({ stateDir: state, runId: RUN, operations: ops(1), owedRestarts: [] })));
    expect(out.done).toBe(true);
    expect(out.armed?.seconds).toBe(1);
    expect(await readFile(join(dir, 'etc', 'sshd.conf'), 'utf8')).toBe('new\n');
    await expect.poll(async () => parseRevertState(await exec(revertStateScript(state, RUN)))?.state, { timeout: 6000, interval: 200 }).toBe('rolled-back');
    expect(await readFile(join(dir, 'etc', 'sshd.conf'), 'utf8')).toBe('old\n');
    expect(parseConfirmOutput(await exec(confirmScript(state, RUN)))).toEqual({ confirmed: false, state: 'rolled-back' });
  });

  it('keeps the change once confirmed, and stops the sleeper', async () => {
    const out = parseWriteOutput(await exec(writeScript({ stateDir: state, runId: RUN, operations: ops(2), owedRestarts: [] })));
    expect(out.done).toBe(true);
    await sleep(300);
    const pid = Number((await readFile(join(state, 'runs', RUN, 'armed.pid'), 'utf8')).trim());
    expect(parseConfirmOutput(await exec(confirmScript(state, RUN)))).toEqual({ confirmed: true });
    expect(parseConfirmOutput(await exec(confirmScript(state, RUN)))).toEqual({ confirmed: true });
    await sleep(2500);
    expect(await readFile(join(dir, 'etc', 'sshd.conf'), 'utf8')).toBe('new\n');
    expect(parseRevertState(await exec(revertStateScript(state, RUN)))).toMatchObject({ state: 'written', reverting: false, armed: false });
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('refuses new content the validator rejects, leaving the file as it was', async () => {
    const validate = ['sh', '-c', 'grep -q "^valid" "$1"', 'validator', '%s'];
    const operations: Operation[] = [{ op: 'writeFile', path: join(dir, 'etc', 'sshd.conf'), content: b64('broken\n'), mode: undefined, owner: undefined, group: undefined, validate }];
    const out = parseWriteOutput(await exec(writeScript({ stateDir: state, runId: RUN, operations, owedRestarts: [] })));
    expect(out.done).toBe(false);
    expect(out.failure).toMatchObject({ step: 'op-0', message: expect.stringMatching(/sh refused the new content/) });
    expect(await readFile(join(dir, 'etc', 'sshd.conf'), 'utf8')).toBe('old\n');
    const good: Operation[] = [{ ...operations[0], content: b64('valid\n') } as Operation];
    const again = parseWriteOutput(await exec(writeScript({ stateDir: state, runId: '20261126T000000Z-bbbbbb', operations: good, owedRestarts: [] })));
    expect(again.done).toBe(true);
    expect(await readFile(join(dir, 'etc', 'sshd.conf'), 'utf8')).toBe('valid\n');
  });
});
