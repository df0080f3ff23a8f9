import { describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/gather.ts';
import { splitSections } from '../../../src/facts/frame.ts';
import { parseFacts } from '../../../src/facts/parse.ts';
import type { FactRequest } from '../../../src/facts/types.ts';
import type { ExecResult, Transport } from '../../../src/transport/types.ts';
import { localHost } from '../../fakes/local-transport.ts';

// A node that answers with garbage, oversized output or forged sections is reported, not trusted.
const B = 'NWB0123456789abcdef0123456789abcdef';
const file: FactRequest = { kind: 'file', path: '/etc/x', content: true, follow: false, sensitive: false };
const section = (id: string, body: string | Buffer) => Buffer.concat([Buffer.from(`\n${B} ${id}\n`), Buffer.from(body)]);
const parse = (requests: FactRequest[], output: Buffer) => parseFacts('node-1', requests, splitSections(output, B));

describe('untrusted facts output', () => {
  it('accepts a well-formed answer', () => {
    const facts = parse([file], section('f0', '/etc/x\x000644|0|0|root|root|2|regular file\x00\x00' + 'a'.repeat(64) + '\x00content\x00hi'));
    expect(facts.files.get('/etc/x')).toMatchObject({ exists: true, mode: '0644', content: Buffer.from('hi') });
  });

  it.each([
    ['a missing section', Buffer.from('motd only')],
    ['a repeated section', Buffer.concat([section('f0', '/etc/x\x00absent\x00'), section('f0', '/etc/x\x00absent\x00')])],
    ['an unparsable stat line', section('f0', '/etc/x\x00rm -rf|x\x00\x00\x00none\x00')],
    ['a hash that is not one', section('f0', '/etc/x\x000644|0|0|root|root|2|regular file\x00\x00zz\x00none\x00')],
    ['an unknown content state', section('f0', '/etc/x\x000644|0|0|root|root|2|regular file\x00\x00\x00trust-me\x00')],
    ['a truncated section', section('f0', '/etc/x')],
    ['a section naming another path', section('f0', '/etc/shadow\x00absent\x00')],
  ])('refuses %s', (_what, output) => {
    expect(() => parse([file], output)).toThrow(/untrusted facts output/);
  });

  it('refuses a garbage kubelet pid', () => {
    const output = Buffer.concat([section('k0', '1; reboot\x00'), section('k0.config', '/var/lib/kubelet/config.yaml\x00absent\x00')]);
    expect(() => parse([{ kind: 'kubelet' }], output)).toThrow(/bad kubelet pid/);
  });

  it('ignores forged sections that do not carry the run boundary', () => {
    const forged = Buffer.concat([section('f0', '/etc/x\x00absent\x00'), Buffer.from('\nNWBforged f0\n/etc/x\x00absent\x00')]);
    expect(parse([file], forged).files.get('/etc/x')?.exists).toBe(false);
  });

  it('refuses an answer larger than the cap instead of parsing it', async () => {
    let asked: number | undefined;
    const flood: Transport = {
      host: localHost(),
      exec: async (_script, options): Promise<ExecResult> => {
        asked = options?.maxOutputBytes;
        throw new Error(`output over ${String(options?.maxOutputBytes)} bytes`);
      },
      close: async () => {},
    };
    await expect(gatherFacts(flood, [file])).rejects.toThrow(/output over/);
    expect(asked).toBeGreaterThan(0);
  });

  it('reports a failing facts script with its stderr', async () => {
    const failing: Transport = {
      host: localHost(),
      exec: async (): Promise<ExecResult> => ({ host: 'local', exitCode: 2, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.from('sh: 1: Syntax error'), durationMs: 1 }),
      close: async () => {},
    };
    await expect(gatherFacts(failing, [file])).rejects.toThrow(/reading facts failed \(exit 2\): sh: 1: Syntax error/);
  });
});
