import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Validators for inventory values. Addresses, user names and paths end up in SSH connection
 * parameters and remote commands, so anything a shell or ssh could read as syntax is refused.
 */

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_MESSAGE = "must start with a letter or digit and contain only letters, digits, '.', '_' and '-'";

export const nodeName = z.string().max(253, 'must be at most 253 characters long').regex(NAME_PATTERN, NAME_MESSAGE);
export const groupName = nodeName;

const SHELL_META = /[$`'"\\;&|<>(){}*?![\]#~^=]/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Why a string is not an IPv4 address, IPv6 address or host name; undefined when it is one. */
export function addressProblem(address: string): string | undefined {
  if (address === '') return 'must not be empty';
  if (address.includes('\0')) return 'must not contain NUL characters';
  if (/[\r\n]/.test(address)) return 'must not contain newlines';
  if (/\s/.test(address)) return 'must not contain spaces';
  if (address.startsWith('-')) return "must not start with '-'";
  if (isIP(address) !== 0) return undefined;
  const meta = SHELL_META.exec(address);
  if (meta !== null) return `must not contain shell metacharacters (found ${JSON.stringify(meta[0])})`;
  if (/^[0-9.]+$/.test(address)) return 'is not a valid IPv4 address';
  if (address.includes(':')) return 'is not a valid IPv6 address';
  if (!HOSTNAME.test(address)) return 'must be an IPv4 address, IPv6 address or host name';
  return undefined;
}

export const address = z.string().superRefine((value, ctx) => {
  const problem = addressProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
});

export const userName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, "must be a user name (a letter or '_', then letters, digits, '_', '.', '-'; at most 32)");

export const port = z.int({ error: 'must be a port number from 1 to 65535' }).min(1).max(65535);

/** A local file path (identity file, known_hosts, kubeconfig): `~` and relative paths allowed. */
export const localPath = z
  .string()
  .min(1, 'must not be empty')
  .refine((p) => !p.includes('\0'), 'must not contain NUL characters')
  .refine((p) => !/[\r\n]/.test(p), 'must not contain newlines')
  .refine((p) => !/^~[^/]/.test(p), "only '~' and '~/…' are expanded; write the full path");

/** Kubernetes label syntax: optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export const labelKey = z
  .string()
  .regex(
    /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    'must be a Kubernetes label key such as pool or topology.kubernetes.io/zone',
  );

export const labelValue = z
  .string()
  .regex(/^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'must be a Kubernetes label value (at most 63 letters, digits, - _ .)');

export const labels = z.record(labelKey, labelValue);

/** Reserved: `node` holds the builtins (node.name, node.address, node.labels.X). */
export const RESERVED_VARS: ReadonlySet<string> = new Set(['node', '__proto__', 'constructor', 'prototype']);

export const varName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name (letters, digits and _, not starting with a digit)')
  .refine((name) => !RESERVED_VARS.has(name), 'is reserved (node.name, node.address and node.labels.X are builtins)');

export const vars = z.record(varName, z.unknown());
