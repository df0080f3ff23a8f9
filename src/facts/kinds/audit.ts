import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FactKind } from './kind.ts';

/** The loaded audit rules (`auditctl -l`), whether they are immutable, and whether augenrules exists. */
export const auditKind: FactKind<'audit'> = {
  kind: 'audit',
  section: 'a',
  functions: sh`# the "enabled" line of auditctl -s is found by the shell (no sed, no head)
nw_audit() {
  nw_sec "$1"; a=0; g=0; e=; l=
  command -v augenrules >/dev/null 2>&1 && g=1
  if command -v auditctl >/dev/null 2>&1; then
    a=1; e="
$(auditctl -s 2>/dev/null)"
    case $e in *"
enabled"*) e=\${e#*"
enabled"}; e=\${e%%"
"*}; while :; do case $e in [[:space:]]*) e=\${e#?} ;; *) break ;; esac; done ;; *) e= ;; esac
    l=$(auditctl -l 2>/dev/null)
  fi
  printf '%s\\0%s\\0%s\\0%s' "$a" "$g" "$e" "$l"
}`,
  each: (_request, id) => sh`nw_audit ${id}`,
  parse(_request, id, sections, facts, fail) {
    const parsed = readFields(sections.one(id), 3) ?? fail('truncated audit section');
    const [auditctl = '', augenrules = '', enabled = ''] = parsed.fields;
    const level = Number(enabled);
    facts.audit = {
      auditctl: auditctl === '1',
      augenrules: augenrules === '1',
      enabled: enabled !== '' && Number.isInteger(level) ? level : undefined,
      rules: parsed.rest
        .toString('utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('-')),
    };
  },
};
