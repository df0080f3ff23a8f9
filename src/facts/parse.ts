import { PENDING_STATES, RUN_ID_PATTERN, type RunState } from '../node/run-state.ts';
import { FactsError } from '../util/errors.ts';
import { readFields, type Section } from './frame.ts';
import { parseAudit, parseKubeletVersion, parseLogin, parseNftTable, parsePackage, parseSshd } from './parse-node.ts';
import { normalizeValue } from './sysctl-boot.ts';
import { UNIT_PROPERTIES, unitName } from './script.ts';
import type { AuditFact, FactRequest, FileFact, FileType, KubeletFact, KubeletVersionFact, LockFact, LoginFact, NftTableFact, NodeFacts, OsFact, PendingRunFact, PackageFact, SshdFact, SysctlFile, UnitFact } from './types.ts';

/** Turns the facts script's sections into NodeFacts. Anything malformed is a FactsError: never trusted. */
export function parseFacts(host: string, requests: readonly FactRequest[], sections: readonly Section[]): NodeFacts {
  const byId = groupSections(sections);
  const files = new Map<string, FileFact>();
  const globs = new Map<string, string[]>();
  const sysctls = new Map<string, string | null>();
  const units = new Map<string, UnitFact>();
  let sysctlFiles: SysctlFile[] | undefined;
  let kubelet: KubeletFact | undefined;
  let os: OsFact | undefined;
  let lock: LockFact | undefined;
  let pendingRuns: PendingRunFact[] | undefined;
  let sshd: SshdFact | undefined;
  let login: LoginFact | undefined;
  let audit: AuditFact | undefined;
  const nftTables = new Map<string, NftTableFact>();
  const packages = new Map<string, PackageFact>();
  let kubeletVersion: KubeletVersionFact | undefined;
  const fail = (message: string): never => {
    throw new FactsError(`${host}: untrusted facts output: ${message}`, { host, hop: 'node' });
  };
  // The same path may be read for several reasons (kubelet config, permissions): keep the richest answer.
  const putFile = (fact: FileFact): void => {
    const previous = files.get(fact.path);
    const rich = (f: FileFact | undefined): boolean => f?.exists === true && f.contentState !== 'none';
    if (!previous || !rich(previous) || rich(fact)) files.set(fact.path, fact);
  };
  const one = (id: string): Buffer => {
    const found = byId.get(id);
    if (!found || found.length !== 1) return fail(`section ${id} ${found ? 'repeated' : 'missing'}`);
    return found[0] as Buffer;
  };

  requests.forEach((request, index) => {
    switch (request.kind) {
      case 'file': {
        const fact = parseFileSection(one(`f${index}`), fail);
        if (fact.path !== request.path) fail(`file section f${index} names another path`);
        putFile(fact);
        break;
      }
      case 'kubelet': {
        kubelet = parseKubelet(one(`k${index}`), parseFileSection(one(`k${index}.config`), fail), fail);
        putFile(kubelet.config);
        break;
      }
      case 'glob': {
        const matches: string[] = [];
        for (let n = 0; byId.has(`g${index}.${n}`); n++) {
          const fact = parseGlobMatch(one(`g${index}.${n}`), fail);
          matches.push(fact.path);
          putFile(fact);
        }
        globs.set(request.pattern, matches);
        break;
      }
      case 'sysctl': {
        const raw = one(`s${index}`).toString('utf8');
        sysctls.set(request.key, raw === '\u0001' ? null : normalizeValue(raw));
        break;
      }
      case 'sysctlFiles':
        sysctlFiles = (byId.get(`p${index}`) ?? []).map((body) => {
          const parsed = readFields(body, 2) ?? fail('sysctl file section without a path');
          const [path = '', link = ''] = parsed.fields;
          return { path, realPath: link === '' ? path : link, content: parsed.rest.toString('utf8') };
        });
        break;
      case 'unit':
        units.set(request.name, parseUnit(request.name, one(`u${index}`).toString('utf8')));
        break;
      case 'os':
        os = parseOsRelease(one(`o${index}`).toString('utf8'));
        break;
      case 'pendingRuns':
        pendingRuns = parsePendingRunLines(one(`r${index}`).toString('utf8'));
        break;
      case 'lock':
        lock = parseLock(one(`l${index}`).toString('utf8'));
        break;
      case 'sshd':
        sshd = parseSshd(one(`h${index}`), fail);
        break;
      case 'login':
        login = parseLogin(one(`w${index}`), fail);
        break;
      case 'audit':
        audit = parseAudit(one(`a${index}`), fail);
        break;
      case 'nftTable':
        nftTables.set(`${request.family} ${request.table}`, parseNftTable(one(`n${index}`), request.family, request.table, fail));
        break;
      case 'package':
        packages.set(request.name, parsePackage(one(`q${index}`), request.name, fail));
        break;
      case 'kubeletVersion':
        kubeletVersion = parseKubeletVersion(one(`v${index}`), fail);
        break;
    }
  });
  return { host, files, globs, sysctls, sysctlFiles, units, kubelet, os, lock, pendingRuns, sshd, login, audit, nftTables, packages, kubeletVersion };
}

function groupSections(sections: readonly Section[]): Map<string, Buffer[]> {
  const map = new Map<string, Buffer[]>();
  for (const section of sections) {
    const list = map.get(section.id) ?? [];
    list.push(section.body);
    map.set(section.id, list);
  }
  return map;
}

type Fail = (message: string) => never;

const STAT_PATTERN = /^([0-7]{3,4})\|(\d+)\|(\d+)\|([^|]*)\|([^|]*)\|(\d+)\|(.+)$/;

interface StatLine {
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  type: FileType;
}

export function parseStatLine(line: string, fail: Fail): StatLine {
  const match = STAT_PATTERN.exec(line.trim());
  if (!match) return fail(`unparsable stat output ${JSON.stringify(line.slice(0, 80))}`);
  const [, mode = '', uid = '', gid = '', owner = '', group = '', size = '', kind = ''] = match;
  return {
    mode: mode.padStart(4, '0'),
    uid: Number(uid),
    gid: Number(gid),
    owner: owner === 'UNKNOWN' ? uid : owner,
    group: group === 'UNKNOWN' ? gid : group,
    size: Number(size),
    type: fileType(kind),
  };
}

function fileType(kind: string): FileType {
  if (kind.startsWith('regular')) return 'file';
  if (kind === 'directory') return 'directory';
  if (kind === 'symbolic link') return 'symlink';
  return 'other';
}

function parseFileSection(body: Buffer, fail: Fail): FileFact {
  const head = readFields(body, 2) ?? fail('truncated file section');
  const [path = '', status = ''] = head.fields;
  if (status === 'absent') return { path, exists: false };
  const all = readFields(body, 5) ?? fail(`truncated file section for ${path}`);
  const [, statLine = '', linkTarget = '', sha256 = '', contentState = ''] = all.fields;
  const stat = parseStatLine(statLine, fail);
  if (sha256 !== '' && !/^[0-9a-f]{64}$/.test(sha256)) fail(`bad sha256 for ${path}`);
  if (contentState !== 'content' && contentState !== 'sensitive' && contentState !== 'large' && contentState !== 'none') {
    return fail(`bad content state for ${path}`);
  }
  return {
    path,
    exists: true,
    ...stat,
    sha256: sha256 === '' ? undefined : sha256,
    linkTarget: linkTarget === '' ? undefined : linkTarget,
    contentState,
    content: contentState === 'content' ? Buffer.from(all.rest) : undefined,
  };
}

function parseGlobMatch(body: Buffer, fail: Fail): FileFact {
  const parsed = readFields(body, 1) ?? fail('glob match without a path');
  const path = parsed.fields[0] ?? '';
  const statLine = parsed.rest.toString('utf8');
  if (statLine.trim() === '?') return { path, exists: false };
  const stat = parseStatLine(statLine, fail);
  return { path, exists: true, ...stat, sha256: undefined, linkTarget: undefined, contentState: 'none', content: undefined };
}

function parseKubelet(body: Buffer, config: FileFact, fail: Fail): KubeletFact {
  const parsed = readFields(body, 1) ?? fail('kubelet section without a pid');
  const pidText = parsed.fields[0] ?? '';
  if (pidText !== '' && !/^\d+$/.test(pidText)) fail('bad kubelet pid');
  const args = parsed.rest.toString('utf8').split('\0').filter((arg) => arg !== '');
  return {
    pid: pidText === '' ? undefined : Number(pidText),
    args,
    configPath: config.path,
    configFromProcess: configFlag(args) !== undefined,
    config,
  };
}

/** The value of --config in a kubelet command line (`--config=X` or `--config X`). */
export function configFlag(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
    if (arg === '--config') return args[i + 1];
  }
  return undefined;
}

export function parseUnit(name: string, text: string): UnitFact {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const get = (key: (typeof UNIT_PROPERTIES)[number]): string => props.get(key) ?? '';
  return {
    name: unitName(name),
    loadState: get('LoadState') || 'unknown',
    activeState: get('ActiveState') || 'unknown',
    subState: get('SubState'),
    unitFileState: get('UnitFileState'),
    mainPid: Number(get('MainPID')) || 0,
    nRestarts: Number(get('NRestarts')) || 0,
    ipAddressDeny: get('IPAddressDeny').split(/\s+/).filter(Boolean),
  };
}

export function parseOsRelease(text: string): OsFact {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1]) values.set(match[1], (match[2] ?? '').replace(/^["']|["']$/g, ''));
  }
  const id = values.get('ID') ?? '';
  const idLike = (values.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean);
  const all = [id, ...idLike];
  const family = all.some((v) => v === 'debian' || v === 'ubuntu')
    ? 'debian'
    : all.some((v) => ['rhel', 'fedora', 'centos'].includes(v))
      ? 'rhel'
      : 'other';
  return { id, idLike, family };
}

/** The node lock file (key=value lines) with the node's clock; undefined when there is no lock. */
export function parseLock(text: string): LockFact | undefined {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const runId = values.get('runId');
  if (!runId) return undefined;
  return {
    runId,
    owner: values.get('owner') ?? '?',
    pid: values.get('pid') ?? '?',
    command: values.get('command') ?? '',
    expires: Number(values.get('expires')) || 0,
    now: Number(values.get('now')) || 0,
    controller: values.get('controller'),
  };
}

/** `runId state owed…` lines; anything not shaped like ours is ignored, not trusted. */
export function parsePendingRunLines(text: string): PendingRunFact[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([runId, state]) => RUN_ID_PATTERN.test(runId ?? '') && PENDING_STATES.includes(state as RunState))
    .map(([runId = '', state = '', ...owed]) => ({ runId, state, owed: owed.filter((s) => /^[a-z0-9_.-]+$/.test(s)) }));
}
