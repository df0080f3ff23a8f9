import { setFlagsFromString } from 'node:v8';

/**
 * The command line's first import (main.ts), so that it runs before any other module loads: V8's
 * young generation keeps its starting size instead of doubling whenever much survives a scavenge.
 * A run allocates fast and keeps little (SSH packets, each node's facts, parsed and dropped), and
 * the grown semi-spaces were most of the controller's memory beyond its code: a plan of 1,000 lab
 * nodes peaked at 161-165 MiB with V8's default and 127 MiB with this, 100 nodes at 133-137 and
 * 105-109 MiB, for about 3 % more controller CPU at 100 nodes and none measurable at 1,000 (GNU
 * time, alternating runs, 2026-12-04). The factor is read when the new space would grow, so it
 * must be set before the first growth: set later (with heap.ts's flags, once the inventory is
 * read) it changed nothing. A library user of src/index.ts keeps its own heap settings.
 */
setFlagsFromString('--semi-space-growth-factor=1');
