import { sh } from '../../node/sh.ts';
import { readFields } from '../frame.ts';
import type { FactKind } from './kind.ts';

/** `kubelet --version` of the running kubelet's binary (else the one on PATH): `Kubernetes v1.31.4`, which kube-bench reads too. */
export const kubeletVersionKind: FactKind<'kubeletVersion'> = {
  kind: 'kubeletVersion',
  section: 'v',
  functions: sh`# the binary the running kubelet was started as (its argv[0], when absolute), else kubelet on PATH
nw_kver() {
  nw_sec "$1"; b=
  for d in /proc/[0-9]*; do
    c=; { IFS= read -r c < "$d/comm"; } 2>/dev/null || continue
    if [ "$c" = kubelet ]; then b=$(awk 'BEGIN { RS = "\\0" } { print; exit }' "$d/cmdline" 2>/dev/null); break; fi
  done
  case $b in /*) [ -x "$b" ] || b= ;; *) b= ;; esac
  [ -n "$b" ] || b=$(command -v kubelet 2>/dev/null) || b=
  printf '%s\\0' "$b"
  if [ -n "$b" ]; then v=$("$b" --version 2>/dev/null); printf '%s\\n' "\${v%%"
"*}"; fi
}`,
  each: (_request, id) => sh`nw_kver ${id}`,
  parse(_request, id, sections, facts, fail) {
    const parsed = readFields(sections.one(id), 1) ?? fail('kubelet version section without a binary');
    const [binary = ''] = parsed.fields;
    const version = /^Kubernetes (v\d+\.\d+\.\d+\S*)\s*$/.exec(parsed.rest.toString('utf8').trim())?.[1];
    facts.kubeletVersion = { binary: binary === '' ? undefined : binary, version };
  },
};
