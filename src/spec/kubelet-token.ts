/**
 * A path that means "the config file the running kubelet was started with" (its --config), so a
 * playbook never assumes /var/lib/kubelet/config.yaml. Resolved from the kubelet fact, which is
 * read in the same round trip as everything else (resources/kubelet-paths.ts).
 */
export const KUBELET_CONFIG_TOKEN = '@kubeletConfig';
