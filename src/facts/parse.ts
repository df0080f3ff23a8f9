import { FactsError } from '../util/errors.ts';
import type { Section } from './frame.ts';
import { factKind } from './kinds/index.ts';
import type { FactKind, FactsBuilder, Kind, Sections } from './kinds/kind.ts';
import { sectionId } from './script.ts';
import type { FactRequest, FileFact, NodeFacts } from './types.ts';

/** Turns the facts script's sections into NodeFacts, each request read by its kind (facts/kinds/). Anything malformed is a FactsError: never trusted. */
export function parseFacts(host: string, requests: readonly FactRequest[], sections: readonly Section[]): NodeFacts {
  const fail = (message: string): never => {
    throw new FactsError(`${host}: untrusted facts output: ${message}`, { host, hop: 'node' });
  };
  const byId = groupSections(sections);
  const reader: Sections = {
    one(id) {
      const found = byId.get(id);
      if (!found || found.length !== 1) return fail(`section ${id} ${found ? 'repeated' : 'missing'}`);
      return found[0] as Buffer;
    },
    all: (id) => byId.get(id) ?? [],
    has: (id) => byId.has(id),
  };
  const facts = newBuilder();
  requests.forEach((request, index) => {
    const kind = factKind(request.kind) as FactKind<Kind> as { parse: (r: FactRequest, ...rest: [string, Sections, FactsBuilder, typeof fail]) => void };
    kind.parse(request, sectionId(request, index), reader, facts, fail);
  });
  const { putFile: _putFile, ...nodeFacts } = facts;
  return { host, ...nodeFacts };
}

function newBuilder(): FactsBuilder {
  const files = new Map<string, FileFact>();
  const rich = (f: FileFact | undefined): boolean => f?.exists === true && f.contentState !== 'none';
  return {
    files,
    globs: new Map(),
    sysctls: new Map(),
    units: new Map(),
    nftTables: new Map(),
    packages: new Map(),
    sysctlFiles: undefined,
    kubelet: undefined,
    os: undefined,
    lock: undefined,
    pendingRuns: undefined,
    sshd: undefined,
    login: undefined,
    audit: undefined,
    kubeletVersion: undefined,
    putFile(fact) {
      const previous = files.get(fact.path);
      if (!previous || !rich(previous) || rich(fact)) files.set(fact.path, fact);
    },
  };
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
