import { loadInventory, type LoadInventoryOptions } from '../config/load-inventory.ts';
import type { Inventory } from '../config/types.ts';
import { listClusterNodes } from '../kube/list-nodes.ts';

/** Every command loads its inventory here: `nodes: { fromKubernetes }` reads the Nodes through the inventory's kubeconfig. */
export function loadInventoryFile(path: string, options: Omit<LoadInventoryOptions, 'listNodes'> = {}): Promise<Inventory> {
  return loadInventory(path, { ...options, listNodes: listClusterNodes });
}
