import type { ResourceEntry } from '../config/playbook-types.ts';
import type { ServiceToRestart } from '../spec/schema-parts.ts';

/** Helpers shared by resource handlers when assembling a Change. */

export function entryIds(entries: readonly ResourceEntry[]): string[] {
  return unique(entries.map((entry) => entry.id));
}

export function entryChecks(entries: readonly ResourceEntry[]): string[] {
  return unique(entries.flatMap((entry) => entry.checks));
}

export function entryNotes(entries: readonly ResourceEntry[]): string[] {
  return unique(entries.flatMap((entry) => (entry.note ? [entry.note] : [])));
}

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

const RESTART_ORDER: readonly ServiceToRestart[] = ['containerd', 'kubelet'];

/** containerd before kubelet: the kubelet compares its cgroup driver with the running runtime. */
export function orderRestarts(services: Iterable<ServiceToRestart>): ServiceToRestart[] {
  const set = new Set(services);
  return RESTART_ORDER.filter((service) => set.has(service));
}

export function modeString(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

export function parseMode(mode: string): number {
  return Number.parseInt(mode, 8);
}
