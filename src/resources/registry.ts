import type { ResourceSpec } from '../spec/schemas.ts';
import { auditRulesHandler } from './audit-rules.ts';
import { fileHandler } from './file.ts';
import { firewallHandler } from './firewall.ts';
import { kubeletConfigHandler } from './kubelet-config.ts';
import { packageHandler } from './package.ts';
import { permissionsHandler } from './permissions.ts';
import { serviceHandler } from './service.ts';
import { sshdHandler } from './sshd.ts';
import { sysctlHandler } from './sysctl.ts';
import { tomlConfigHandler } from './toml-config.ts';
import type { ResourceHandler } from './types.ts';

type HandlerFor<K extends ResourceSpec['kind']> = ResourceHandler<Extract<ResourceSpec, { kind: K }>['spec']>;

/** The closed set of resource kinds. Adding a kind: its schema in schemas.ts, its handler here. */
export const handlers: { readonly [K in ResourceSpec['kind']]: HandlerFor<K> } = {
  file: fileHandler,
  kubeletConfig: kubeletConfigHandler,
  sysctl: sysctlHandler,
  permissions: permissionsHandler,
  tomlConfig: tomlConfigHandler,
  sshd: sshdHandler,
  service: serviceHandler,
  auditRules: auditRulesHandler,
  firewall: firewallHandler,
  package: packageHandler,
};
