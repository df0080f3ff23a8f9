import { kubeNodeName } from '../config/types.ts';
import { healthzUrl } from '../guards/healthz.ts';
import { parseProbe, probeScript } from '../health/probe.ts';
import type { HostSpec } from '../config/types.ts';
import { unitName } from '../facts/script.ts';
import type { NodeStatusReader } from '../health/node-status.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';
import type { Connector } from '../transport/types.ts';
import { errorMessage } from '../util/errors.ts';

/** One look at a node that passed its gate: why it is unhealthy now, or undefined. */
export type HealthCheck = (host: HostSpec, services: readonly ServiceToRestart[]) => Promise<string | undefined>;

/**
 * The soak's check: the kubelet (and what the change restarted) active, and the Node Ready in the
 * API; without a kubeconfig the kubelet's /healthz on the node stands in for Ready.
 */
export function createHealthCheck(connector: Connector, nodeStatus: NodeStatusReader | undefined): HealthCheck {
  return async (host, services) => {
    try {
      const transport = await connector.connect(host);
      const units = [...new Set<string>(['kubelet', ...services])];
      const healthz = nodeStatus ? undefined : healthzUrl(undefined);
      const probe = parseProbe((await transport.exec(probeScript({ units, healthzUrl: healthz }), { timeoutMs: 15_000 })).stdout);
      for (const unit of units) {
        const state = probe.units.get(unitName(unit));
        if (state?.activeState !== 'active') return `${unitName(unit)} is ${state ? `${state.activeState}/${state.subState}` : 'in an unknown state'}`;
      }
      if (healthz && probe.healthz?.trim() !== 'ok') return `kubelet /healthz: ${probe.healthz ?? 'no answer'}`;
      if (nodeStatus) {
        const status = await nodeStatus.read(kubeNodeName(host));
        if (status.ready !== 'True') return `Node Ready=${status.ready ?? 'unknown'}${status.reason ? ` (${status.reason})` : ''}`;
      }
      return undefined;
    } catch (error) {
      return `probe failed: ${errorMessage(error)}`;
    }
  };
}
