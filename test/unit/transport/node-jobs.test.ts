import { raw } from '../../../src/node/sh.ts';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEADLINE_EXIT, supervisedScript, type JobOptions } from '../../../src/transport/node-jobs.ts';

// The node-side supervisor with the local /bin/sh, as sshd runs it: the text on stdin, stdin kept
// open as the job's lifeline until the test closes it (as a closed channel would).
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-jobs-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Started {
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  closeStdin(): void;
}

function start(body: string, options: JobOptions, shell = '/bin/sh'): Started {
  const child = spawn(shell, ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.write(supervisedScript(raw(body), options).text);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, closeStdin: () => child.stdin.end() };
}

/** Processes whose command line holds `marker` (a unique sleep length). */
function running(marker: string): string {
  return spawnSync('pgrep', ['-af', marker], { encoding: 'utf8' }).stdout.trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('node-side job supervisor (local sh)', () => {
  it.each(['/bin/sh', 'bash'])('passes output and exit status through, and ends what the script left running (%s)', async (shell) => {
    const job = start("sleep 301.1 & printf 'out\\000put'; echo err >&2; exit 7", { deadlineSeconds: 30 }, shell);
    const { code, stdout, stderr } = await job.done;
    expect(code).toBe(7);
    expect(stdout).toBe('out\0put');
    expect(stderr).toBe('err\n');
    await expect.poll(() => running('301.1'), { timeout: 2000 }).toBe('');
  });

  it('leaves no deadline timer behind, however quickly the script ends', async () => {
    // a quick script used to end before the timer's fork had become a session of its own, and the timer slept on
    await Promise.all(Array.from({ length: 20 }, () => start('true', { deadlineSeconds: 37 }).done));
    await expect.poll(() => running('nw-deadline 37 '), { timeout: 2000 }).toBe('');
    await expect.poll(() => running('sleep 37$'), { timeout: 2000 }).toBe('');
  });

  it('the lifeline closing ends the job and everything it started, then starts the abandon handler', async () => {
    const handler = join(dir, 'handler.sh');
    await writeFile(handler, `echo "ran $1" >> ${join(dir, 'handler.log')}; ls ${dir}/reg > ${join(dir, 'reg-while-handling')}\n`);
    // a child in a process group of its own (as coreutils' timeout makes) must go too
    const job = start('echo started; sleep 302.2 & timeout 303.3 sleep 303.3; echo never', { deadlineSeconds: 60, register: join(dir, 'reg', 'run'), onAbandon: handler });
    await expect.poll(() => running('303.3'), { timeout: 3000 }).not.toBe('');
    const registered = await readdir(join(dir, 'reg'));
    expect(registered).toHaveLength(1);
    const [sid, startTime] = (await readFile(join(dir, 'reg', registered[0] ?? ''), 'utf8')).trim().split(' ');
    expect(registered[0]).toBe(`run.${sid}`);
    expect(Number(startTime)).toBeGreaterThan(0);
    job.closeStdin();
    const { stdout } = await job.done;
    expect(stdout).toBe('started\n');
    await expect.poll(() => running('30[23]\\.[23]'), { timeout: 3000 }).toBe('');
    await expect.poll(() => readFile(join(dir, 'handler.log'), 'utf8').catch(() => ''), { timeout: 3000 }).toBe('ran lost\n');
    // the handler was registered while it ran, and nothing is registered once it is done
    expect(await readFile(join(dir, 'reg-while-handling'), 'utf8')).toMatch(/^run\.\d+\.abandon$/m);
    await expect.poll(() => readdir(join(dir, 'reg')), { timeout: 3000 }).toEqual([]);
  }, 15_000);

  it('the node ends the job at its deadline: status 124, NW_DEADLINE on stderr, the abandon handler runs', async () => {
    const handler = join(dir, 'handler.sh');
    await writeFile(handler, `echo "ran $1" >> ${join(dir, 'handler.log')}\n`);
    const started = Date.now();
    const job = start('echo started; sleep 304.4; echo never', { deadlineSeconds: 1, onAbandon: handler });
    const { code, stdout, stderr } = await job.done;
    expect(Date.now() - started).toBeLessThan(4000);
    expect(code).toBe(DEADLINE_EXIT);
    expect(stdout).toBe('started\n');
    expect(stderr).toMatch(/^NW_DEADLINE 1$/m);
    expect(running('304.4')).toBe('');
    await expect.poll(() => readFile(join(dir, 'handler.log'), 'utf8').catch(() => ''), { timeout: 3000 }).toBe('ran deadline\n');
    job.closeStdin();
  });

  it('starts no handler when the job ends on its own, nor when the handler file is absent', async () => {
    const handler = join(dir, 'handler.sh');
    await writeFile(handler, `echo ran >> ${join(dir, 'handler.log')}\n`);
    expect((await start('exit 10', { deadlineSeconds: 30, onAbandon: handler }).done).code).toBe(10);
    const lost = start('sleep 305.5', { deadlineSeconds: 30, onAbandon: join(dir, 'absent.sh') });
    await sleep(300);
    lost.closeStdin();
    await lost.done;
    await sleep(300);
    expect(running('305.5')).toBe('');
    await expect(readFile(join(dir, 'handler.log'), 'utf8')).rejects.toThrow();
  });
});
