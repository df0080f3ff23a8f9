import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadInventoryFile } from './inventory.ts';
import { loadPlaybook } from '../config/load-playbook.ts';
import type { LoadedPlaybook } from '../config/loaded-playbook.ts';
import { resolvePlaybookArgs } from '../config/playbook-args.ts';
import type { ResourceEntry } from '../config/playbook-types.ts';
import { selectHosts } from '../config/select.ts';
import type { HostSpec, Inventory } from '../config/types.ts';
import { validatePlaybooksForHosts } from '../config/validate-playbooks.ts';
import type { PlanSource } from '../plan/types.ts';

/** The playbooks shipped with nodeward (repo or package root /playbooks). */
export const BUNDLED_PLAYBOOKS = fileURLToPath(new URL('../../playbooks/', import.meta.url));

export interface Inputs {
  readonly inventory: Inventory;
  readonly hosts: readonly HostSpec[];
  readonly playbooks: readonly LoadedPlaybook[];
  readonly entriesByHost: ReadonlyMap<string, readonly ResourceEntry[]>;
  readonly sources: { readonly inventory: PlanSource; readonly playbooks: readonly (PlanSource & { readonly name: string })[] };
}

export interface InputFlags {
  readonly inventory: string;
  readonly limit: readonly string[];
  readonly playbooks: readonly string[];
  /** `--accept-new`: a known_hosts that does not exist yet is fine (it is created on first contact). */
  readonly acceptNew?: boolean | undefined;
  /** `--ssh-config FILE` */
  readonly sshConfig?: string | undefined;
}

async function digest(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/**
 * Everything a command needs before contacting any node, validated in full: inventory, selected
 * hosts and every playbook instantiated for every host. Any problem throws one ConfigError.
 */
export async function loadInputs(flags: InputFlags): Promise<Inputs> {
  const inventory = await loadInventoryFile(flags.inventory, { acceptNew: flags.acceptNew === true, sshConfig: flags.sshConfig });
  const hosts = selectHosts(inventory, flags.limit);
  const files = await resolvePlaybookArgs(flags.playbooks, BUNDLED_PLAYBOOKS);
  const playbooks = await Promise.all(files.map((file) => loadPlaybook(file)));
  const instantiated = validatePlaybooksForHosts(playbooks, hosts);
  const entriesByHost = new Map(
    hosts.map((host) => [host.name, (instantiated.get(host.name) ?? []).flatMap((p) => p.entries.map((entry) => ({ ...entry, vars: p.vars ?? host.vars })))]),
  );
  return {
    inventory,
    hosts,
    playbooks,
    entriesByHost,
    sources: {
      inventory: { file: inventory.file, sha256: await digest(inventory.file) },
      playbooks: await Promise.all(playbooks.map(async (p) => ({ name: p.name, file: p.file, sha256: await digest(p.file) }))),
    },
  };
}
