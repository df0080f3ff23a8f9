import { setFlagsFromString } from 'node:v8';

/** From this many nodes in the inventory on, V8 is asked to keep its heap small. */
export const SMALL_HEAP_FROM_NODES = 200;

let small = false;

/**
 * A large fleet's run keeps little alive (each node's plan, ~40 KB) but allocates fast (every
 * SSH packet, every node's facts), and V8 sizes its heap for throughput: at 1,000 nodes the
 * controller peaked at 229–252 MiB with 40–60 MiB live. `--optimize-for-size` (read by V8's
 * heap growing and young-generation sizing at every collection, so it takes effect when set at
 * run time) held the same plans at 137–139 MiB for ~15 % more controller CPU; a growing factor of
 * 1.1 instead of its 1.3 (`--heap-growing-percent`, also read at every collection) took a later
 * build's 157–162 MiB to 142–154 MiB with no CPU cost seen (plans of 1,000 lab nodes under GNU
 * time, alternating, 2026-12-04). Below SMALL_HEAP_FROM_NODES the code, not the heap, is most of
 * the memory and the CPU matters more, so smaller runs keep V8's defaults.
 */
export function fitHeapToFleet(nodes: number): void {
  if (small || nodes < SMALL_HEAP_FROM_NODES) return;
  small = true;
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--heap-growing-percent=10');
}
