import type { AuditResult } from '../types.ts';

export const pass = (...details: string[]): AuditResult => ({ verdict: 'pass', details });
export const fail = (...details: string[]): AuditResult => ({ verdict: 'fail', details });
export const notApplicable = (...details: string[]): AuditResult => ({ verdict: 'n/a', details });
export const unknown = (...details: string[]): AuditResult => ({ verdict: 'unknown', details });

/** Several findings as one: any fail fails, then any unknown; all n/a is n/a; otherwise pass. */
export function combine(results: readonly AuditResult[]): AuditResult {
  const details = (verdict: AuditResult['verdict']): string[] => results.filter((r) => r.verdict === verdict).flatMap((r) => r.details);
  if (results.some((r) => r.verdict === 'fail')) return fail(...details('fail'), ...details('unknown'));
  if (results.some((r) => r.verdict === 'unknown')) return unknown(...details('unknown'));
  if (results.length > 0 && results.every((r) => r.verdict === 'n/a')) return notApplicable(...details('n/a'));
  return pass(...details('pass'));
}
