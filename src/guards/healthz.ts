import { parseYamlMap } from './after-state.ts';

/** The kubelet's local healthz URL from its config (healthzBindAddress:healthzPort); undefined when disabled. */
export function healthzUrl(configText: string | undefined | 'unreadable'): string | undefined {
  const config = parseYamlMap(configText) ?? {};
  const port = typeof config['healthzPort'] === 'number' ? config['healthzPort'] : 10248;
  if (port === 0) return undefined;
  let address = typeof config['healthzBindAddress'] === 'string' && config['healthzBindAddress'] !== '' ? config['healthzBindAddress'] : '127.0.0.1';
  if (address === '0.0.0.0') address = '127.0.0.1';
  if (address === '::') address = '::1';
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}/healthz`;
}
