import type { NodeFacts } from '../facts/types.ts';
import { KUBELET_CONFIG_TOKEN } from '../spec/kubelet-token.ts';

export { KUBELET_CONFIG_TOKEN };

export function isKubeletConfigToken(path: string): boolean {
  return path === KUBELET_CONFIG_TOKEN;
}

/** The real path for a path or token; undefined when the token cannot be resolved on this node. */
export function resolvePath(path: string, facts: NodeFacts): string | undefined {
  return isKubeletConfigToken(path) ? facts.kubelet?.configPath : path;
}
