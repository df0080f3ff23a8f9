/** Loading and validating input: inventory, host selection, playbooks, variables. */
export { loadInventory, parseInventory } from './load-inventory.ts';
export type { InventoryEnv } from './normalize-inventory.ts';
export { selectHosts } from './select.ts';
export { loadPlaybook } from './load-playbook.ts';
export type { LoadPlaybookOptions } from './load-playbook.ts';
export { parsePlaybook } from './build-playbook.ts';
export type { SourceFiles } from './attach-sources.ts';
export type { LoadedEntry, LoadedPlaybook, ResourceSchemaRegistry } from './loaded-playbook.ts';
export { instantiatePlaybook } from './instantiate.ts';
export { validatePlaybooksForHosts } from './validate-playbooks.ts';
export { resolvePlaybookArgs } from './playbook-args.ts';
export type { Become, BastionSpec, HostSpec, Inventory } from './types.ts';
export type { Condition, Playbook, ResourceEntry } from './playbook-types.ts';
