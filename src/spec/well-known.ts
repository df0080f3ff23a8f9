/**
 * Paths and kernel keys several layers name (plan requests them, guards and checks judge them):
 * defined once, below all of them.
 */
export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';

export const IP_FORWARD = 'net.ipv4.ip_forward';

/** The six kernel tunables a kubelet with protectKernelDefaults: true insists on (exact values). */
export const PROTECT_KERNEL_DEFAULTS: Readonly<Record<string, string>> = {
  'vm.overcommit_memory': '1',
  'vm.panic_on_oom': '0',
  'kernel.panic': '10',
  'kernel.panic_on_oops': '1',
  'kernel.keys.root_maxkeys': '1000000',
  'kernel.keys.root_maxbytes': '25000000',
};
