import { bootAssignments } from '../../facts/sysctl-boot.ts';
import type { FactRequest } from '../../facts/types.ts';
import type { Audit, AuditResult } from '../types.ts';
import { combine, fail, notApplicable, pass, unknown } from './result.ts';

/**
 * Each key must hold the value live, and at boot when a sysctl.d file assigns it (the last
 * assignment wins; with none the kernel default applies, which the facts cannot tell). A key
 * this kernel lacks is not applicable (bridge keys without br_netfilter, IPv6 off).
 */
export function sysctlAudit(wanted: Readonly<Record<string, string>>): Audit {
  return (facts) => {
    const boot = facts.sysctlFiles ? bootAssignments(facts.sysctlFiles) : undefined;
    return combine(
      Object.entries(wanted).map(([key, value]): AuditResult => {
        const live = facts.sysctls.get(key);
        if (live === undefined) return unknown(`${key} was not read`);
        if (live === null) return notApplicable(`${key} does not exist on this kernel`);
        if (live !== value) return fail(`${key} is ${live} live, must be ${value}`);
        if (!boot) return unknown(`the sysctl files were not read: ${key} at boot is unknown`);
        const last = boot.get(key)?.at(-1);
        if (!last) return pass(`${key} = ${value} live; no sysctl.d file sets it`);
        if (last.value !== value) return fail(`${key} boots as ${last.value} (${last.file}:${last.line}), must be ${value}`);
        return pass(`${key} = ${value} live and at boot (${last.file})`);
      }),
    );
  };
}

export function sysctlRequests(keys: Iterable<string>): FactRequest[] {
  return [...keys].map((key) => ({ kind: 'sysctl', key }));
}
