import { z } from 'zod';
import { BENCHMARK_IDS } from './benchmark-ids.ts';
import { address, groupName, labels, localPath, nodeName, port, userName, vars } from './validators.ts';

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

export type RawInventory = z.output<typeof inventorySchema>;
export type RawNode = z.output<typeof nodeSchema>;
export type RawGroup = z.output<typeof groupSchema>;
