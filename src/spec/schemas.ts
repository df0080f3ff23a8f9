import { z } from 'zod';
import { KUBELET_CONFIG_TOKEN } from './kubelet-token.ts';
import { absoluteGlob, absolutePath, accountName, addressOrCidr, configValue, octalMode, port, serviceToRestart, sysctlName, sysctlValue, unitNameSchema } from './schema-parts.ts';
import { parseDottedKey, tomlValueText } from './toml-keys.ts';

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
  values: z.record(sysctlName, sysctlValue).default({}),
  absent: z.array(sysctlName).default([]).describe("Keys to take out of the file (their live values are left as they are). Every other line of the file is kept."),
}).refine((spec) => Object.keys(spec.values).length + spec.absent.length > 0, 'set at least one key in values or absent')
  .refine((spec) => !spec.absent.some((key) => key in spec.values), 'a key cannot be both set (values) and absent');

export const permissionsSchema = z.strictObject({
  paths: z
    .array(z.union([z.literal(KUBELET_CONFIG_TOKEN), absoluteGlob]))
    .min(1)
    .describe(`Absolute paths or globs; never recursive. ${KUBELET_CONFIG_TOKEN}: the running kubelet's --config file.`),
  mode: octalMode.optional().describe('The most permissive mode allowed (CIS "or more restrictive").'),
  owner: accountName.optional(),
  group: accountName.optional(),
  missing: z.enum(['ignore', 'fail']).default('ignore'),
});

const tomlKey = z
  .string()
  .refine((key) => parseDottedKey(key) !== undefined, 'must be a TOML key such as plugins."io.containerd.grpc.v1.cri".disable_tcp_service');

const tomlValue = configValue.refine((value) => {
  try {
    tomlValueText(value);
    return true;
  } catch {
    return false;
  }
}, 'must be a value TOML can hold (string, number, boolean, list or map; not null)');

export const tomlConfigSchema = z.strictObject({
  path: absolutePath.describe('The TOML file; edited in place, every other key and comment kept.'),
  match: z
    .record(tomlKey, z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe('Only where the file has these values (e.g. version: 2; table names differ between config versions).'),
  set: z.record(tomlKey, tomlValue).default({}).describe('Keys to set, as TOML dotted keys.'),
  remove: z.array(tomlKey).default([]),
  validate: z.enum(['containerd']).optional().describe('Check the new file with the program that reads it before it replaces the old one.'),
  restarts: z.array(serviceToRestart).default([]),
});

const sshdWord = z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v).trim()));

export const sshdSchema = z.strictObject({
  file: absolutePath
    .default('/etc/ssh/sshd_config.d/00-nodeward.conf')
    .refine((path) => path.endsWith('.conf'), 'must be a .conf file (sshd_config includes sshd_config.d/*.conf)')
    .describe('The drop-in nodeward writes; sshd takes the first value it reads, so its name should sort first.'),
  settings: z.record(
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be an sshd_config keyword such as PasswordAuthentication')
      .refine((key) => !['match', 'include'].includes(key.toLowerCase()), 'Match and Include are not supported'),
    z
      .union([sshdWord, z.array(sshdWord)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .refine((values) => values.every((v) => v !== '' && !/[\0\n\r#"'`$\\]/.test(v) && !/\s/.test(v)), 'values must be single words without # or quotes'),
  ).describe('Keyword → value (or a list of words); an empty list leaves the keyword out.'),
  confirmSeconds: z
    .number()
    .int()
    .min(10)
    .max(600)
    .default(90)
    .describe('The node reverts unless a new SSH connection confirms within this time (kept well inside the node lock\'s expiry).'),
});

export const serviceSchema = z
  .strictObject({
    units: z.array(unitNameSchema).min(1),
    enabled: z.union([z.boolean(), z.literal('masked')]).optional().describe('true, false (disabled) or masked'),
    active: z.boolean().optional().describe('running (true) or stopped (false)'),
    missing: z.enum(['ignore', 'fail']).default('ignore').describe('ignore: units not installed on a node are skipped'),
  })
  .refine((spec) => spec.enabled !== undefined || spec.active !== undefined, 'set enabled, active or both');

export const auditRulesSchema = z.strictObject({
  file: absolutePath
    .default('/etc/audit/rules.d/50-nodeward.rules')
    .refine((path) => /^\/etc\/audit\/rules\.d\/[^/]+\.rules$/.test(path), 'must be a .rules file in /etc/audit/rules.d (augenrules reads them)'),
  watches: z
    .array(
      z.strictObject({
        path: z.union([z.literal(KUBELET_CONFIG_TOKEN), absolutePath]),
        permissions: z.string().regex(/^(?!.*(.).*\1)[rwxa]{1,4}$/, 'must be letters from r, w, x, a').default('wa'),
        key: z.string().regex(/^[A-Za-z0-9_-]{1,31}$/, 'must be a short key such as k8s_config'),
      }),
    )
    .min(1),
});

const portRange = z.union([port, z.string().regex(/^\d{1,5}-\d{1,5}$/, 'must be a port or a range such as 30000-32767')]);

export const firewallSchema = z.strictObject({
  table: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, 'must be a table name').default('nodeward').describe('nftables table inet <table>; no other table is touched'),
  file: absolutePath.default('/etc/nodeward/firewall.nft').describe('The ruleset, loaded with nft -f; a unit can load it at boot.'),
  sshPort: port.default(22),
  sshFrom: z.array(addressOrCidr).describe('Where SSH may come from: the bastion.'),
  kubeletFrom: z.array(addressOrCidr).default([]).describe('Where the kubelet API (10250) may be reached from: the control plane.'),
  cni: z
    .strictObject({ plugin: z.enum(['calico', 'cilium', 'flannel']), from: z.array(addressOrCidr).min(1) })
    .nullish()
    .describe("The CNI's overlay and control ports, from the node network."),
  dnsFrom: z.array(addressOrCidr).default([]).describe('Inbound DNS (53), for a node-local resolver; replies to the node are always let in.'),
  allow: z
    .array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9 _.-]{1,60}$/), protocol: z.enum(['tcp', 'udp']), ports: z.array(portRange).min(1), from: z.array(addressOrCidr).default([]) }))
    .default([]),
  confirmSeconds: z.number().int().min(10).max(600).default(90),
});

export const packageSchema = z.strictObject({
  versions: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9+._-]*$/, 'must be a package name'), z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^[A-Za-z0-9.+~:_-]+$/, 'must be a package version such as 1.7.22-1')))
    .describe('Package name → the exact version to install (upgrade or downgrade to).'),
  refresh: z.boolean().default(true).describe('apt-get update first'),
  restarts: z.array(serviceToRestart).default([]),
});

export const resourceSchemas = {
  file: fileSchema,
  kubeletConfig: kubeletConfigSchema,
  sysctl: sysctlSchema,
  permissions: permissionsSchema,
  tomlConfig: tomlConfigSchema,
  sshd: sshdSchema,
  service: serviceSchema,
  auditRules: auditRulesSchema,
  firewall: firewallSchema,
  package: packageSchema,
} as const;

export type ResourceKindName = keyof typeof resourceSchemas;
export type FileSpec = z.output<typeof fileSchema>;
export type KubeletConfigSpec = z.output<typeof kubeletConfigSchema>;
export type SysctlSpec = z.output<typeof sysctlSchema>;
export type PermissionsSpec = z.output<typeof permissionsSchema>;
export type TomlConfigSpec = z.output<typeof tomlConfigSchema>;
export type SshdSpec = z.output<typeof sshdSchema>;
export type ServiceSpec = z.output<typeof serviceSchema>;
export type AuditRulesSpec = z.output<typeof auditRulesSchema>;
export type FirewallSpec = z.output<typeof firewallSchema>;
export type PackageSpec = z.output<typeof packageSchema>;

export type ResourceSpec =
  | { readonly kind: 'file'; readonly spec: FileSpec }
  | { readonly kind: 'kubeletConfig'; readonly spec: KubeletConfigSpec }
  | { readonly kind: 'sysctl'; readonly spec: SysctlSpec }
  | { readonly kind: 'permissions'; readonly spec: PermissionsSpec }
  | { readonly kind: 'tomlConfig'; readonly spec: TomlConfigSpec }
  | { readonly kind: 'sshd'; readonly spec: SshdSpec }
  | { readonly kind: 'service'; readonly spec: ServiceSpec }
  | { readonly kind: 'auditRules'; readonly spec: AuditRulesSpec }
  | { readonly kind: 'firewall'; readonly spec: FirewallSpec }
  | { readonly kind: 'package'; readonly spec: PackageSpec };
