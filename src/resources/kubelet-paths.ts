import type { NodeFacts } from '../facts/types.ts';

/**
 * A path that means "the config file the running kubelet was started with" (its --config), so a
 * playbook never assumes /var/lib/kubelet/config.yaml. Resolved from the kubelet fact, which is
 * read in the same round trip as everything else.
 */
export const KUBELET_CONFIG_TOKEN = '@kubeletConfig';

export function isKubeletConfigToken(path: string): boolean {
  return path === KUBELET_CONFIG_TOKEN;
}

/** The real path for a path or token; undefined when the token cannot be resolved on this node. */
export function resolvePath(path: string, facts: NodeFacts): string | undefined {
  return isKubeletConfigToken(path) ? facts.kubelet?.configPath : path;
}
