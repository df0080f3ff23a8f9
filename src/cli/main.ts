#!/usr/bin/env node
// The command line's entry. Its one static import sets V8's heap flags, and it is all this module's
// graph: ES modules are loaded and compiled as a whole graph before any of them runs, so the
// program (and its dependencies) is imported only after the flags are set.
import './heap-startup.ts';

const { main } = await import('./program.ts');
await main(process.argv);
