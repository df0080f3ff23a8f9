import { z } from 'zod';
import { BENCHMARK_IDS } from './benchmark-ids.ts';
import { parseSelector } from './label-selector.ts';
import { address, groupName, labelKey, labels, localPath, nodeName, port, userName, vars } from './validators.ts';

/** The inventory file as written (before defaults, paths and group membership are resolved). */

const become = z.enum(['sudo', 'none']);

/** `null` means "use ssh-agent" even when defaults name a key. */
const identityFile = localPath.nullable();

export const bastionSchema = z.strictObject({
  host: address,
  port: port.optional(),
  user: userName.optional(),
  identityFile: identityFile.optional(),
});

export const defaultsSchema = z.strictObject({
  user: userName.optional(),
  port: port.optional(),
  identityFile: identityFile.optional(),
  become: become.optional(),
});

export const groupSchema = z.strictObject({
  match: labels
    .refine((m) => Object.keys(m).length > 0, 'must list at least one label (an empty match would select every node)')
    .optional(),
  nodes: z.array(z.string().min(1, 'must not be empty')).optional(),
  vars: vars.nullish(),
});

export const nodeSchema = z.strictObject({
  name: nodeName,
  /** Required unless an ssh config is given: then HostName, or the name itself, as `ssh -G NAME`. */
  address: address.optional(),
  user: userName.optional(),
  port: port.optional(),
  identityFile: identityFile.optional(),
  become: become.optional(),
  labels: labels.nullish(),
  vars: vars.nullish(),
  groups: z.array(groupName).optional(),
});

/** Where a discovered node's SSH address or inventory name is read from: a label or an annotation of its Node. */
const nodeField = z.union([z.strictObject({ label: labelKey }), z.strictObject({ annotation: labelKey })]);

export const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'] as const;

export const fromKubernetesSchema = z.strictObject({
  /** As `kubectl get nodes -l` takes it; the API server filters by it. */
  labelSelector: z
    .string()
    .superRefine((text, ctx) => {
      const parsed = parseSelector(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `is not a label selector: ${parsed.problem}` });
    })
    .optional(),
  /** The SSH address: one of the Node's status.addresses by type (default InternalIP), or a label or annotation holding it. */
  address: z.union([z.enum(ADDRESS_TYPES), nodeField]).optional(),
  /** The node's name in the inventory (default: the Node's name). */
  nameFrom: nodeField.optional(),
});

/** `nodes: { fromKubernetes: … }`, or a `- fromKubernetes: …` item among explicit nodes. */
export const nodeSourceSchema = z.strictObject({ fromKubernetes: fromKubernetesSchema });

/** An explicit entry beside a `fromKubernetes` source: naming a discovered node, it needs no address (it amends that node). */
export const nodeOverrideSchema = nodeSchema.extend({ address: address.optional() });

export const sshSchema = z.strictObject({
  /** An OpenSSH client config (~/.ssh/config): nodes listed by name get address, user, port, key and bastion from it. */
  config: localPath,
});

export const inventorySchema = z.strictObject({
  bastion: bastionSchema.nullish(),
  ssh: sshSchema.nullish(),
  knownHosts: localPath.optional(),
  kubeconfig: localPath.optional(),
  /** The CIS benchmark `nodeward check` judges every node by (default: the one kube-bench picks from each kubelet's version). */
  benchmark: z.enum(BENCHMARK_IDS).optional(),
  defaults: defaultsSchema.nullish(),
  vars: vars.nullish(),
  groups: z.record(groupName, groupSchema.nullable()).nullish(),
  nodes: z.array(nodeSchema).min(1, 'must list at least one node'),
});

/** The top level with `nodes` left to load-inventory.ts, which tells explicit nodes from sources. */
export const inventoryTopSchema = inventorySchema.extend({ nodes: z.array(z.unknown()).min(1, 'must list at least one node') });

/** The inventory as an editor's JSON Schema sees it (the loader validates `nodes` item by item). */
export const inventoryFileSchema = inventorySchema.extend({
  nodes: z.union([nodeSourceSchema, z.array(z.union([nodeOverrideSchema, nodeSourceSchema])).min(1)]),
});

export type RawInventory = z.output<typeof inventorySchema>;
export type FromKubernetes = z.output<typeof fromKubernetesSchema>;
export type RawNode = z.output<typeof nodeSchema>;
export type RawGroup = z.output<typeof groupSchema>;
