import { sh } from '../../node/sh.ts';
import type { UnitFact } from '../types.ts';
import type { FactKind } from './kind.ts';

// IPAddressDeny: what systemd resolved from the unit and its drop-ins (CIS 1.11's 4.2.15 asks for "any")
export const UNIT_PROPERTIES = ['Id', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'MainPID', 'NRestarts', 'IPAddressDeny'] as const;

export function unitName(name: string): string {
  return name.includes('.') ? name : `${name}.service`;
}

/**
 * A systemd unit's state. All of a script's units are asked in one `systemctl show`, whose answer
 * the shell splits (no awk); a unit asked twice is shown once, to both ids.
 */
export const unitKind: FactKind<'unit'> = {
  kind: 'unit',
  section: 'u',
  functions: sh`# $1: properties, $2: one word per unit of ":"-joined section ids, then the units. systemctl show
# prints one block per unit, in order, blank-line separated; each block goes to each of its ids
# (a blank line opens the next block; the last block takes the rest; missing blocks are empty).
nw_units() {
  p=$1; ids=$2; shift 2
  o=$(systemctl show -p "$p" -- "$@" 2>/dev/null)
  set -- $ids
  while [ $# -gt 0 ]; do
    if [ $# -eq 1 ]; then b=$o; o=
    else case $o in
      "
"*) b=; o=\${o#?} ;;
      *"

"*) b=\${o%%"

"*}; o=\${o#"$b"}; o=\${o#??} ;;
      *) b=$o; o= ;;
    esac; fi
    [ -z "$b" ] || b="$b
"
    nw_o=$IFS; IFS=:; for nw_u in $1; do nw_sec "$nw_u"; printf '%s' "$b"; done; IFS=$nw_o
    shift
  done
}`,
  after: (items) => {
    if (items.length === 0) return sh``;
    const units = new Map<string, string[]>();
    for (const { request, id } of items) {
      const name = unitName(request.name);
      units.set(name, [...(units.get(name) ?? []), id]);
    }
    const ids = [...units.values()].map((list) => list.join(':')).join(' ');
    return sh`nw_units ${UNIT_PROPERTIES.join(',')} ${ids} ${[...units.keys()]}`;
  },
  parse(request, id, sections, facts) {
    facts.units.set(request.name, parseUnit(request.name, sections.one(id).toString('utf8')));
  },
};

export function parseUnit(name: string, text: string): UnitFact {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const get = (key: (typeof UNIT_PROPERTIES)[number]): string => props.get(key) ?? '';
  return {
    name: unitName(name),
    loadState: get('LoadState') || 'unknown',
    activeState: get('ActiveState') || 'unknown',
    subState: get('SubState'),
    unitFileState: get('UnitFileState'),
    mainPid: Number(get('MainPID')) || 0,
    nRestarts: Number(get('NRestarts')) || 0,
    ipAddressDeny: get('IPAddressDeny').split(/\s+/).filter(Boolean),
  };
}
