/** Prometheus text exposition format 0.0.4, as node_exporter's textfile collector reads it. */

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Families in the order given, each with its HELP and TYPE, samples with sorted labels. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${family.name}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${formatValue(sample.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The problems `promtool check metrics` (and node_exporter's parser) would find: syntax of names,
 * labels and values, HELP/TYPE placement, families split or repeated, duplicate series, counter
 * naming. Empty when the text is valid.
 */
export function lintExposition(text: string): string[] {
  const problems: string[] = [];
  if (text !== '' && !text.endsWith('\n')) problems.push('the text does not end with a newline');
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  const enter = (family: string, line: number): void => {
    if (family === current) return;
    if (current !== undefined) finished.add(current);
    if (finished.has(family)) problems.push(`line ${line}: ${family} appears again after other metrics (families must be contiguous)`);
    current = family;
  };
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === '') return;
    const meta = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(raw);
    if (meta) {
      const [, what, name = '', rest = ''] = meta;
      if (!METRIC_NAME.test(name)) problems.push(`line ${n}: bad metric name ${JSON.stringify(name)}`);
      enter(name, n);
      if (series.has(`${name}\u0000samples`)) problems.push(`line ${n}: ${what} for ${name} after its samples`);
      if (what === 'HELP') {
        if (helped.has(name)) problems.push(`line ${n}: second HELP for ${name}`);
        helped.add(name);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) problems.push(`line ${n}: bad escape in HELP`);
      } else {
        if (typed.has(name)) problems.push(`line ${n}: second TYPE for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest.trim())) problems.push(`line ${n}: bad TYPE ${JSON.stringify(rest)}`);
        typed.set(name, rest.trim());
        if (rest.trim() === 'counter' && !name.endsWith('_total')) problems.push(`line ${n}: counter ${name} should end in _total`);
      }
      return;
    }
    if (raw.startsWith('#')) return;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/.exec(raw);
    if (!sample) {
      problems.push(`line ${n}: not a sample: ${JSON.stringify(raw)}`);
      return;
    }
    const [, name = '', , labelText = '', value = ''] = sample;
    const family = [...typed.keys()].find((f) => name === f || (['histogram', 'summary'].includes(typed.get(f) ?? '') && /^(.*)_(bucket|sum|count)$/.exec(name)?.[1] === f)) ?? name;
    enter(family, n);
    series.add(`${family}\u0000samples`);
    const labels = parseLabels(labelText);
    if (typeof labels === 'string') {
      problems.push(`line ${n}: ${labels}`);
      return;
    }
    for (const key of labels.keys) {
      if (!LABEL_NAME.test(key) || key.startsWith('__')) problems.push(`line ${n}: bad label name ${JSON.stringify(key)}`);
    }
    if (new Set(labels.keys).size !== labels.keys.length) problems.push(`line ${n}: a label repeats`);
    if (!/^([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|NaN|[+-]Inf)$/.test(value)) problems.push(`line ${n}: bad value ${JSON.stringify(value)}`);
    const id = `${name}{${labels.pairs.sort().join(',')}}`;
    if (series.has(id)) problems.push(`line ${n}: duplicate series ${id}`);
    series.add(id);
  });
  return problems;
}

/** `a="x",b="y\""` → keys and normalized pairs, or what is wrong. */
function parseLabels(text: string): { keys: string[]; pairs: string[] } | string {
  const keys: string[] = [];
  const pairs: string[] = [];
  let rest = text.trim();
  while (rest !== '') {
    const match = /^([^=\s]+)\s*=\s*"((?:[^"\\\n]|\\[\\"n])*)"\s*(,\s*)?/.exec(rest);
    if (!match) return `bad labels ${JSON.stringify(text)}`;
    keys.push(match[1] ?? '');
    pairs.push(`${match[1] ?? ''}=${match[2] ?? ''}`);
    rest = rest.slice(match[0].length);
    if (rest !== '' && match[3] === undefined) return `labels not separated by commas in ${JSON.stringify(text)}`;
  }
  return { keys, pairs };
}
