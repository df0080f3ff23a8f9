import type { ResourceSpec } from './schemas.ts';
import { fileHandler } from './file.ts';
import { kubeletConfigHandler } from './kubelet-config.ts';
import { permissionsHandler } from './permissions.ts';
import { sysctlHandler } from './sysctl.ts';
import type { ResourceHandler } from './types.ts';

type HandlerFor<K extends ResourceSpec['kind']> = ResourceHandler<Extract<ResourceSpec, { kind: K }>['spec']>;

/** The closed set of resource kinds. Adding a kind: its schema in schemas.ts, its handler here. */
export const handlers: { readonly [K in ResourceSpec['kind']]: HandlerFor<K> } = {
  file: fileHandler,
  kubeletConfig: kubeletConfigHandler,
  sysctl: sysctlHandler,
  permissions: permissionsHandler,
};
