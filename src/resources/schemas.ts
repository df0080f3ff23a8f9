import { z } from 'zod';
import { absoluteGlob, absolutePath, accountName, configValue, octalMode, serviceToRestart, sysctlName, sysctlValue } from './schema-parts.ts';

/**
 * The schema of each resource kind as written in a playbook (after variables are substituted).
 * The playbook loader validates every entry against these before any node is contacted.
 */

export const fileSchema = z.strictObject({
  path: absolutePath.describe('Absolute path of the managed file.'),
  state: z.enum(['present', 'absent']).default('present'),
  content: z.string().optional().describe('Full content of the file.'),
  source: z.string().optional().describe('Template file, relative to the playbook; read when the playbook loads.'),
  mode: octalMode.optional(),
  owner: accountName.optional(),
  group: accountName.optional(),
  sensitive: z.boolean().default(false).describe('Never show the content: diffs show hashes only.'),
  restarts: z.array(serviceToRestart).default([]),
});

export const kubeletConfigSchema = z.strictObject({
  path: absolutePath
    .optional()
    .describe("KubeletConfiguration file; default: the running kubelet's --config, else /var/lib/kubelet/config.yaml"),
  set: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9./_-]+)*$/, 'must be a key path such as authentication.anonymous.enabled'), configValue)
    .describe('Keys to set, as dotted paths or nested maps; every other key, comment and order is kept.'),
  remove: z.array(z.string()).default([]),
  restarts: z.array(serviceToRestart).default(['kubelet']),
});

export const sysctlSchema = z.strictObject({
  file: absolutePath
    .default('/etc/sysctl.d/99-k8s-hardening.conf')
    .refine((path) => /^\/etc\/sysctl\.d\/[^/]+\.conf$/.test(path), 'must be a .conf file in /etc/sysctl.d (read at boot)')
    .describe('The file that persists the values; its name decides where it sorts at boot.'),
  values: z.record(sysctlName, sysctlValue),
});

export const permissionsSchema = z.strictObject({
  paths: z.array(absoluteGlob).min(1).describe('Absolute paths or globs; never recursive.'),
  mode: octalMode.optional().describe('The most permissive mode allowed (CIS "or more restrictive").'),
  owner: accountName.optional(),
  group: accountName.optional(),
  missing: z.enum(['ignore', 'fail']).default('ignore'),
});

export const resourceSchemas = {
  file: fileSchema,
  kubeletConfig: kubeletConfigSchema,
  sysctl: sysctlSchema,
  permissions: permissionsSchema,
} as const;

export type ResourceKindName = keyof typeof resourceSchemas;
export type FileSpec = z.output<typeof fileSchema>;
export type KubeletConfigSpec = z.output<typeof kubeletConfigSchema>;
export type SysctlSpec = z.output<typeof sysctlSchema>;
export type PermissionsSpec = z.output<typeof permissionsSchema>;

export type ResourceSpec =
  | { readonly kind: 'file'; readonly spec: FileSpec }
  | { readonly kind: 'kubeletConfig'; readonly spec: KubeletConfigSpec }
  | { readonly kind: 'sysctl'; readonly spec: SysctlSpec }
  | { readonly kind: 'permissions'; readonly spec: PermissionsSpec };
