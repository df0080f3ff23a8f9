import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockScript, parseLockOutput } from '../../../src/apply/scripts/lock.ts';
import { localTransport } from '../../fakes/local-transport.ts';

const sh = localTransport();
let state: string;
const RUN1 = '20261126T100000Z-aaaaaa';
const RUN2 = '20261126T110000Z-bbbbbb';
const OTHER = '20261126T120000Z-cccccc';
const lock = async (runId: string, takeOverFrom?: string[]) =>
  parseLockOutput((await sh.exec(lockScript({ stateDir: state, runId, owner: 'op', pid: 1, command: 'nodeward rollout', ttlSeconds: 900, takeOverFrom }))).stdout);

beforeEach(async () => {
  state = join(await mkdtemp(join(tmpdir(), 'nw-lock-')), 'state');
});
afterEach(async () => {
  await rm(join(state, '..'), { recursive: true, force: true });
});

describe('resume takes over the live lock of its own dead attempt, and only that', () => {
  it('takes over a named earlier attempt before expiry', async () => {
    expect((await lock(RUN1))?.status).toBe('acquired');
    expect(await lock(RUN2, [RUN1])).toMatchObject({ status: 'taken-over', previous: { runId: RUN1 } });
  });
  it('never another run', async () => {
    expect((await lock(OTHER))?.status).toBe('acquired');
    expect((await lock(RUN2, [RUN1]))?.status).toBe('held');
    expect((await lock(RUN2))?.status).toBe('held');
  });
});
