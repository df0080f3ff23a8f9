#!/usr/bin/env node
// `npm audit` for CI: fails on any high or critical advisory in the installed dependencies.
// When the registry in use does not serve the audit endpoint (some mirrors answer 405), it says
// so loudly and does not pretend the check passed or failed.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`npm audit: unreadable answer (exit ${run.status}):\n${run.stderr}`);
  process.exit(1);
}
if (report.statusCode !== undefined || report.error !== undefined) {
  const why = report.message ?? report.error?.summary ?? 'unknown error';
  console.error(`WARNING: npm audit could not run against this registry (${why}); advisories NOT checked.`);
  process.exit(0);
}
const counts = report.metadata?.vulnerabilities ?? {};
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(`npm audit: ${JSON.stringify(counts)}`);
if (serious > 0) {
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
    if (v.severity === 'high' || v.severity === 'critical') console.error(`  ${v.severity}: ${name} (${v.range})`);
  }
  process.exit(1);
}
