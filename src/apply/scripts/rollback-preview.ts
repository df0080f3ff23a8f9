import { sh, type Script } from '../../node/sh.ts';
import { markers, prelude } from './common.ts';
import { OPS_FUNCTIONS } from './ops.ts';

/**
 * Read-only: what a rollback of the run would put back on this node, from its manifest and
 * backups compared with the node now (the same comparisons the rollback makes before it acts),
 * whether files were edited since the run (a rollback would then refuse), the run's state and
 * what it restarted. Changes nothing.
 */
export function rollbackPreviewScript(stateDir: string, runId: string): Script {
  return sh`${prelude(stateDir, runId)}
if [ ! -f "$R/manifest" ]; then echo NW_NOTHING; exit 0; fi
T=$(printf '\\t')
p_of() { printf '%s' "$1" | base64 -d; }
${OPS_FUNCTIONS}
printf 'NW_STATE %s %s\\n' "$(cat "$R/state" 2>/dev/null || echo unknown)" "$(stat -c %Y -- "$R/state" 2>/dev/null || echo 0)"
while IFS="$T" read -r kind i enc existed k mode uid gid; do
  case $kind in
    file)
      p=$(p_of "$enc")
      if [ "$existed" = 1 ] && [ "$k" = f ]; then
        if [ -f "$p" ] && cmp -s -- "$R/backup/$i" "$p"; then
          [ "$(stat -c "%a$T%u$T%g" -- "$p")" = "$mode$T$uid$T$gid" ] || echo "NW_WOULD mode $p"
        else echo "NW_WOULD file $p"; fi
      elif [ "$existed" = 1 ]; then
        [ "$(stat -c "%a$T%u$T%g" -- "$p")" = "$mode$T$uid$T$gid" ] || echo "NW_WOULD mode $p"
      elif [ -e "$p" ] || [ -L "$p" ]; then echo "NW_WOULD remove $p"; fi ;;
    sysctl)
      v=$(p_of "$enc"); now=$(cat -- "/proc/sys/$(printf '%s' "$i" | tr . /)" 2>/dev/null)
      set -f; set -- $now; now=$*; set -- $v; was=$*; set +f
      [ "$now" = "$was" ] || echo "NW_WOULD sysctl $i ($now, was $was)" ;;
    unit)
      u=$(p_of "$i")
      [ "$(nw_unit_state is-enabled "$u")" = "$enc" ] && [ "$(nw_unit_state is-active "$u")" = "$existed" ] || echo "NW_WOULD unit $u" ;;
    package)
      cv=$(nw_pkg_version "$i" "$enc"); [ "\${cv:--}" = "$existed" ] || echo "NW_WOULD package $enc ($existed)" ;;
    nft)
      if nft list table "$enc" "$existed" > "$R/nft-preview" 2>/dev/null; then now=1; else now=0; fi
      if [ "$k" = 1 ] && [ "$now" = 1 ] && cmp -s -- "$R/backup/nft-$i" "$R/nft-preview"; then :; elif [ "$k" = 0 ] && [ "$now" = 0 ]; then :; else echo "NW_WOULD nftables table $enc $existed"; fi
      rm -f "$R/nft-preview" ;;
    written)
      # the run wrote this file: edited since, a rollback would refuse to clobber it
      enc2=$(sed -n "s/^file$T$i$T\\([^$T]*\\)$T.*/\\1/p" "$R/manifest" | head -n 1)
      p=$(p_of "$enc2"); now=$(sha256sum < "$p" 2>/dev/null | cut -c1-64)
      [ "$now" = "$enc" ] || echo "NW_EDITED $p" ;;
  esac
done < "$R/manifest"
printf 'NW_RESTARTS %s\\n' "$(sort -u "$R/restarted" 2>/dev/null | tr '\\n' ' ')"
`;
}

export interface RollbackPreview {
  /** The node holds no record of the run. */
  readonly nothing: boolean;
  readonly state: string;
  /** Node clock when the run's state last changed. */
  readonly stateAt: number;
  /** What a rollback would put back, as the rollback reports it ("file /etc/x", "sysctl net…"). */
  readonly would: readonly string[];
  /** Files the run wrote that were edited since: a rollback refuses them. */
  readonly edited: readonly string[];
  /** What the run restarted (and a rollback restarts again). */
  readonly restarts: readonly string[];
}

export function parseRollbackPreview(stdout: Buffer | string): RollbackPreview {
  const found = markers(stdout);
  const [state = 'unknown', at = '0'] = (found.find((m) => m.word === 'STATE')?.rest ?? '').split(' ');
  return {
    nothing: found.some((m) => m.word === 'NOTHING'),
    state,
    stateAt: Number(at) || 0,
    would: found.filter((m) => m.word === 'WOULD').map((m) => m.rest),
    edited: found.filter((m) => m.word === 'EDITED').map((m) => m.rest),
    restarts: (found.find((m) => m.word === 'RESTARTS')?.rest ?? '').split(' ').filter(Boolean),
  };
}
