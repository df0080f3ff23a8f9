import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { KubeletFact, FileFact } from '../types.ts';
import type { Fail, FactKind } from './kind.ts';
import { parseFileSection } from './shared.ts';

/**
 * The running kubelet (found by its process name, no procps needed) and the config file it was
 * started with. One awk sends its command line (NUL-separated arguments, as /proc has them) and
 * tells the shell, on stderr, the value of --config ("=PATH"; anything else there, an awk error,
 * is no path).
 */
export const kubeletKind: FactKind<'kubelet'> = {
  kind: 'kubelet',
  section: 'k',
  each: (_request, id) => sh`kp=
for d in /proc/[0-9]*; do
  c=; { IFS= read -r c < "$d/comm"; } 2>/dev/null || continue
  if [ "$c" = kubelet ]; then kp=\${d#/proc/}; break; fi
done
kc=
nw_sec ${id}; printf '%s\\0' "$kp"
if [ -n "$kp" ]; then
  { kc=$(awk 'BEGIN { RS = "\\0" }
    { printf "%s%c", $0, 0 }
    c == "" && f { c = "=" $0 } c == "" && index($0, "--config=") == 1 { c = "=" substr($0, 10) } $0 == "--config" { f = 1 }
    END { print c > "/dev/stderr" }' "/proc/$kp/cmdline" 2>&1 >&3 3>&-); } 3>&1
  case $kc in =*) kc=\${kc#=} ;; *) kc= ;; esac
fi
if [ -z "$kc" ]; then kc=/var/lib/kubelet/config.yaml; fi
case $kc in /*) ;; *) kc=/$kc ;; esac
nw_file ${`${id}.config`} "$kc" 0 1 0`,
  parse(_request, id, sections, facts, fail) {
    facts.kubelet = parseKubelet(sections.one(id), parseFileSection(sections.one(`${id}.config`), fail), fail);
    facts.putFile(facts.kubelet.config);
  },
};

function parseKubelet(body: Buffer, config: FileFact, fail: Fail): KubeletFact {
  const parsed = readFields(body, 1) ?? fail('kubelet section without a pid');
  const pidText = parsed.fields[0] ?? '';
  if (pidText !== '' && !/^\d+$/.test(pidText)) fail('bad kubelet pid');
  const args = parsed.rest.toString('utf8').split('\0').filter((arg) => arg !== '');
  return {
    pid: pidText === '' ? undefined : Number(pidText),
    args,
    configPath: config.path,
    configFromProcess: configFlag(args) !== undefined,
    config,
  };
}

/** The value of --config in a kubelet command line (`--config=X` or `--config X`). */
export function configFlag(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
    if (arg === '--config') return args[i + 1];
  }
  return undefined;
}
