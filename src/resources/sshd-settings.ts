/**
 * sshd_config settings as nodeward writes them and as `sshd -T` prints them. sshd keeps the
 * first value it reads for most keywords, but these accumulate over every file (and so are
 * printed once per value).
 */
export const ACCUMULATING = new Set(['allowusers', 'allowgroups', 'denyusers', 'denygroups', 'acceptenv', 'setenv', 'hostkey', 'listenaddress', 'port']);

/** Keywords whose `sshd -T` form cannot be predicted from the written one (ports get added): not compared. */
const UNCOMPARABLE = new Set(['listenaddress', 'port', 'hostkey', 'subsystem', 'authorizedkeysfile', 'include']);

const TIME_KEYWORDS = new Set(['logingracetime', 'clientaliveinterval', 'rekeylimit', 'channeltimeout', 'unusedconnectiontimeout']);

const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export const SSHD_FILE_HEADER =
  '# Managed by nodeward: edits here are reverted on the next apply.\n# sshd keeps the first value it reads, so this file sorts first in sshd_config.d.\n';

export type SshdSettings = ReadonlyMap<string, readonly string[]>;

export function renderSshdFile(settings: SshdSettings): string {
  return SSHD_FILE_HEADER + [...settings].map(([key, values]) => `${key} ${values.join(' ')}\n`).join('');
}

/** Keyword/value pairs of a plain sshd_config file (no Match handling: nodeward's files have none). */
export function parseSshdFile(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [key = '', ...values] = line.split(/\s+/);
    const lower = key.toLowerCase();
    if (lower === 'match') break;
    settings.set(lower, [...(settings.get(lower) ?? []), ...values]);
  }
  return settings;
}

function seconds(value: string): string {
  const parts = [...value.toLowerCase().matchAll(/(\d+)([smhdw]?)/g)];
  if (parts.map((p) => p[0]).join('') !== value.toLowerCase()) return value;
  return String(parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_SECONDS[p[2] ?? ''] ?? 1), 0));
}

/** The lines `sshd -T` prints for one setting (lowercase); empty when it cannot be predicted. */
export function expectedLines(keyword: string, values: readonly string[]): string[] {
  const key = keyword.toLowerCase();
  if (UNCOMPARABLE.has(key)) return [];
  const norm = values.map((v) => {
    const lower = v.toLowerCase();
    if (key === 'permitrootlogin' && lower === 'prohibit-password') return 'without-password';
    if (TIME_KEYWORDS.has(key)) return seconds(lower);
    return lower;
  });
  return ACCUMULATING.has(key) ? norm.map((v) => `${key} ${v}`) : [`${key} ${norm.join(' ')}`];
}

/** Whether `sshd -T` shows a setting: accumulating ones must include every value, others must equal it. */
export function effectiveHas(effective: SshdSettings, keyword: string, values: readonly string[]): boolean {
  const key = keyword.toLowerCase();
  const lines = expectedLines(key, values);
  if (lines.length === 0) return true;
  const shown = (effective.get(key) ?? []).map((v) => `${key} ${v.toLowerCase()}`);
  return ACCUMULATING.has(key) ? lines.every((line) => shown.includes(line)) : shown[0] === lines[0];
}
