import { readFields } from './frame.ts';
import type { AuditFact, KubeletVersionFact, LoginFact, NftTableFact, PackageFact, SshdFact } from './types.ts';

type Fail = (message: string) => never;

export function parseSshd(body: Buffer, fail: Fail): SshdFact {
  const parsed = readFields(body, 1) ?? fail('sshd section without a status');
  const status = parsed.fields[0];
  const text = parsed.rest.toString('utf8');
  if (status === 'missing') return { status, error: 'sshd is not installed', settings: new Map() };
  if (status === 'invalid') return { status, error: text.trim().split('\n').slice(-2).join(' / '), settings: new Map() };
  if (status !== 'ok') return fail('bad sshd status');
  return { status, error: undefined, settings: parseSshdT(text) };
}

/** `sshd -T` output: `keyword value` lines; repeated keywords (allowusers, listenaddress) keep every value. */
export function parseSshdT(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const space = trimmed.search(/\s/);
    const key = (space === -1 ? trimmed : trimmed.slice(0, space)).toLowerCase();
    const value = space === -1 ? '' : trimmed.slice(space + 1).trim();
    settings.set(key, [...(settings.get(key) ?? []), value]);
  }
  return settings;
}

export function parseLogin(body: Buffer, fail: Fail): LoginFact {
  const parsed = readFields(body, 3) ?? fail('truncated login section');
  const [user = '', groups = '', connection = ''] = parsed.fields;
  if (user === '') fail('login section without a user');
  // SSH_CONNECTION: client address, client port, server address, server port
  const parts = connection.trim().split(/\s+/);
  const port = Number(parts[3]);
  return {
    user,
    groups: groups.split(/\s+/).filter(Boolean),
    clientAddress: parts.length === 4 ? parts[0] : undefined,
    serverPort: parts.length === 4 && Number.isInteger(port) ? port : undefined,
  };
}

export function parseAudit(body: Buffer, fail: Fail): AuditFact {
  const parsed = readFields(body, 3) ?? fail('truncated audit section');
  const [auditctl = '', augenrules = '', enabled = ''] = parsed.fields;
  const level = Number(enabled);
  return {
    auditctl: auditctl === '1',
    augenrules: augenrules === '1',
    enabled: enabled !== '' && Number.isInteger(level) ? level : undefined,
    rules: parsed.rest
      .toString('utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('-')),
  };
}

export function parseNftTable(body: Buffer, family: string, table: string, fail: Fail): NftTableFact {
  const parsed = readFields(body, 4) ?? fail('truncated nft section');
  const [nft = '', exists = '', listingSha = '', hasRecord = ''] = parsed.fields;
  if (exists === '1' && !/^[0-9a-f]{64}$/.test(listingSha)) fail('bad nft listing hash');
  return {
    family,
    table,
    nft: nft === '1',
    listingSha256: exists === '1' ? listingSha : undefined,
    record: hasRecord === '1' ? parsed.rest.toString('utf8') : undefined,
  };
}

export function parsePackage(body: Buffer, name: string, fail: Fail): PackageFact {
  const parsed = readFields(body, 2) ?? fail('truncated package section');
  const [manager = '', version = ''] = parsed.fields;
  if (manager !== 'apt' && manager !== 'dnf' && manager !== 'yum' && manager !== 'none') return fail('bad package manager');
  return { name, manager, installed: version.trim() === '' ? undefined : version.trim() };
}

/** `Kubernetes v1.31.4` (what `kubelet --version` prints; kube-bench reads `Kubernetes v(\d+.\d+)` from it). */
export function parseKubeletVersion(body: Buffer, fail: Fail): KubeletVersionFact {
  const parsed = readFields(body, 1) ?? fail('kubelet version section without a binary');
  const [binary = ''] = parsed.fields;
  const version = /^Kubernetes (v\d+\.\d+\.\d+\S*)\s*$/.exec(parsed.rest.toString('utf8').trim())?.[1];
  return { binary: binary === '' ? undefined : binary, version };
}
