import { appendRow } from '../../node/manifest.ts';
import { sha256 } from '../../plan/fingerprint.ts';
import type { Operation } from '../../plan/types.ts';
import { HALF_WRITTEN_CASE } from '../../node/run-state.ts';
import { base64Lines, hereDocument, lines, sh, type Script } from '../../node/sh.ts';
import { DEFAULT_BOUNDS, type StepBounds } from '../bounds.ts';
import { b64, dirnameOf, markers, prelude } from './common.ts';
import { sysctlPath } from '../../facts/script.ts';
import { armScript } from './arm.ts';
import { backupScript, extraTouchedPaths, isUnitFile, OPS_FUNCTIONS, serviceOpScript } from './ops.ts';
import { rollbackScript } from './rollback.ts';

export interface WriteRequest {
  readonly stateDir: string;
  readonly runId: string;
  /** In the order they run: sysctls live, then files. */
  readonly operations: readonly Operation[];
  /** Services this run will restart, recorded before the first write so a crash cannot lose them. */
  readonly owedRestarts: readonly string[];
  readonly bounds?: StepBounds | undefined;
}

/**
 * One exec that backs up every path it will touch (content, mode, owner, into a per-run
 * directory with a manifest), records the owed restarts, then makes the changes: sysctls live
 * first (checked that they took), then each file atomically (temp file in the same directory,
 * fsync, chown, chmod, rename, fsync the directory). It stops at the first failure, printing
 * NW_FAIL; what it did is in the manifest for the rollback.
 *
 * Before its first change it leaves on the node the run's own rollback (`rollback.sh`) and the
 * handler the node runs by itself if this script is abandoned half-way (`on-abandon`: the
 * controller gone, the deadline passed): the run is then rolled back on the node, with no
 * controller needed. Changes that need a confirmation are armed before the run is `written`,
 * so that no moment exists in which sshd or the firewall is changed and nothing would undo it.
 */
export function writeScript(request: WriteRequest): Script {
  const bounds = request.bounds ?? DEFAULT_BOUNDS;
  const paths = touchedPaths(request.operations);
  const parts: Script[] = [
    prelude(request.stateDir, request.runId, bounds),
    sh`mkdir -p "$S/runs" && chmod 700 "$S" "$S/runs" || nw_fail setup "cannot create $S"`,
    sh`mkdir "$R" || nw_fail setup "run directory $R already exists"`,
    sh`mkdir "$R/backup" && : > "$R/manifest" || nw_fail setup "cannot write $R"`,
    sh`nw_put "$R/state" started`,
    sh`printf '%s\\n' ${request.owedRestarts} > "$R/owed.tmp" && mv -f "$R/owed.tmp" "$R/owed" && printf '%s\\n' ${request.owedRestarts} > "$R/restarts" || nw_fail setup "cannot write $R"`,
    fileFromText(sh`$R/rollback.sh`, rollbackScript({ stateDir: request.stateDir, runId: request.runId, verifyUnchanged: false, bounds })),
    fileFromText(sh`$R/on-abandon`, onAbandonScript()),
    BACKUP_FUNCTION,
    OPS_FUNCTIONS,
  ];
  paths.forEach((path, index) => parts.push(sh`nw_backup ${index} ${path} ${b64(path)}`));
  request.operations.forEach((op, index) => {
    if (op.op === 'sysctl') parts.push(sh`nw_backup_sysctl ${op.key} ${sysctlPath(op.key)}`);
    const backup = backupScript(op, index);
    if (backup) parts.push(backup);
  });
  // the copies keep their files' modes (cp -p) until here, inside the run directory only root
  // can enter (umask 077); one chmod for all of them instead of one per file
  if (paths.length > 0) parts.push(sh`set -- "$R/backup/"*; [ ! -e "$1" ] || chmod 600 -- "$@" || nw_fail backup "cannot make the backups private"`);
  parts.push(sh`nw_fsync "$R/manifest" "$R/backup" "$R"`, sh`nw_put "$R/state" writing`, sh`echo NW_OK backup`);
  const lastUnitFileWrite = request.operations.findLastIndex((op) => (op.op === 'writeFile' || op.op === 'deleteFile') && isUnitFile(op.path));
  request.operations.forEach((op, index) => {
    if (op.op === 'sysctl') {
      // a run of sysctls is set by one sysctl -w (below), at its first
      if (request.operations[index - 1]?.op !== 'sysctl') parts.push(sysctlRunScript(request.operations, index));
      return;
    }
    parts.push(operationScript(op, index, paths.indexOf('path' in op ? op.path : ''), request.runId));
    // systemd reads unit files only on daemon-reload: before any unit is enabled, started or restarted
    if (index === lastUnitFileWrite) {
      parts.push(appendRow('reload', [sh`systemd`]), sh`nw_try daemon-reload "$NW_T" 'systemctl daemon-reload' systemctl daemon-reload || nw_fail daemon-reload "systemctl daemon-reload failed"`);
    }
  });
  const confirm = Math.max(0, ...request.operations.map((op) => (op.op === 'confirm' ? op.seconds : 0)));
  if (confirm > 0) parts.push(armScript(confirm));
  parts.push(sh`nw_put "$R/state" written`, sh`nw_fsync "$R/state"`);
  parts.push(sh`echo NW_DONE written`, sh``);
  return lines(parts);
}

/** A file written from text on the node (`path`: shell text for inside double quotes, like `$R/x`), without a trace of its content in any command line. */
function fileFromText(path: Script, text: Script): Script {
  const doc = hereDocument(base64Lines(text.text), 'NW_EOF');
  return sh`base64 -d > "${path}" ${doc.redirect} || nw_fail setup "cannot write ${path}"
${doc.body}`;
}

/**
 * What the node runs by itself when a write or rollback of this run was abandoned: the run's own
 * rollback, but only while the run is half-way (a run already written is finished by the next run
 * that takes the node, or reverted by its armed timer). Its output stays on the node.
 */
function onAbandonScript(): Script {
  return sh`# nodeward: the node rolls back this run by itself: a script of it was abandoned half-way.
R=$(dirname -- "$0")
case $(cat "$R/state" 2>/dev/null) in ${HALF_WRITTEN_CASE}) ;; *) exit 0 ;; esac
printf '%s abandoned (%s): rolling the run back\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "\${1:-?}" >> "$R/abandoned.log"
exec /bin/sh "$R/rollback.sh" >> "$R/abandoned.log" 2>&1
`;
}

/** Every path an operation touches, once, in first-touched order. */
export function touchedPaths(operations: readonly Operation[]): string[] {
  const paths: string[] = [];
  for (const op of operations) {
    for (const path of ['path' in op && op.op !== 'nftLoad' ? op.path : undefined, ...extraTouchedPaths(op)]) {
      if (path !== undefined && !paths.includes(path)) paths.push(path);
    }
  }
  return paths;
}

/** Every printable ASCII character, in order: \`nw_b64\` finds a character's code by its place here. */
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

// nw_backup_sysctl reads the live value with the shell (what $(cat) gives: the bytes, trailing
// newlines dropped) and encodes it with nw_b64: short values of printable ASCII and tabs, what
// sysctls hold, in the shell; any other value with base64 itself. That was three programs a key.
// An empty value is read again with cat, which tells an empty file from one it cannot read.
export const BACKUP_FUNCTION = sh`T=$(printf '\\t')
nw_backup() {
  if [ -L "$2" ]; then nw_fail "backup-$1" "is a symbolic link; nodeward does not write through links"; fi
  if [ -e "$2" ]; then
    m=$(stat -c "%a$T%u$T%g" -- "$2") || nw_fail "backup-$1" "cannot stat"
    if [ -f "$2" ]; then cp -p -- "$2" "$R/backup/$1" || nw_fail "backup-$1" "cannot copy (disk full?)"; k=f
    elif [ -d "$2" ]; then k=d
    else nw_fail "backup-$1" "not a regular file or directory"; fi
    ${appendRow('file', [sh`"$1"`, sh`"$3"`, sh`1`, sh`"$k"`, sh`"$m"`])} || nw_fail "backup-$1" "cannot write the manifest"
  else
    ${appendRow('file', [sh`"$1"`, sh`"$3"`, sh`0`, sh`-`, sh`-`, sh`-`, sh`-`])} || nw_fail "backup-$1" "cannot write the manifest"
  fi
}
NW_PRINTABLE=${PRINTABLE}
NW_B64A=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
nw_b64() {
  nw_s=$1 nw_b64= nw_bad=
  [ \${#nw_s} -le 64 ] || nw_bad=1
  while [ -z "$nw_bad" ] && [ -n "$nw_s" ]; do
    nw_n=0 nw_k=0 nw_got=0
    while [ "$nw_k" -lt 3 ]; do
      nw_o=0
      if [ -n "$nw_s" ]; then
        nw_c=\${nw_s%"\${nw_s#?}"}; nw_s=\${nw_s#?}
        case $nw_c in
          "$T") nw_o=9 ;;
          *) nw_pre=\${NW_PRINTABLE%%"$nw_c"*}; [ "$nw_pre" != "$NW_PRINTABLE" ] || nw_bad=1; nw_o=$((32 + \${#nw_pre})) ;;
        esac
        nw_got=$((nw_got + 1))
      fi
      nw_n=$((nw_n * 256 + nw_o)) nw_k=$((nw_k + 1))
    done
    for nw_sh in 18 12 6 0; do
      if [ $(((18 - nw_sh) / 6)) -gt "$nw_got" ]; then nw_b64="$nw_b64="; continue; fi
      nw_t=$NW_B64A nw_i=$(((nw_n >> nw_sh) & 63))
      while [ "$nw_i" -gt 0 ]; do nw_t=\${nw_t#?} nw_i=$((nw_i - 1)); done
      nw_b64="$nw_b64\${nw_t%"\${nw_t#?}"}"
    done
  done
  [ -z "$nw_bad" ] || nw_b64=$(printf '%s' "$1" | base64 | tr -d '\\n')
}
nw_slurp() {
  nw_v= nw_l=
  { while IFS= read -r nw_l; do nw_v="$nw_v$nw_l$NW_NL"; done; nw_v="$nw_v$nw_l"; } 2>/dev/null < "$1" || return
  while :; do case $nw_v in *"$NW_NL") nw_v=\${nw_v%"$NW_NL"} ;; *) break ;; esac; done
  [ -n "$nw_v" ] || nw_v=$(cat -- "$1" 2>/dev/null) || return
}
nw_backup_sysctl() {
  nw_slurp "$2" || nw_fail "backup-sysctl" "cannot read $1"
  nw_b64 "$nw_v"
  ${appendRow('sysctl', [sh`"$1"`, sh`"$nw_b64"`])} || nw_fail "backup-sysctl" "cannot write the manifest"
}
# the live value of a sysctl as words (how sysctl -n prints it, tabs and newlines as spaces)
nw_sysctl_now() {
  nw_now= nw_l=
  { while IFS= read -r nw_l || [ -n "$nw_l" ]; do nw_now="$nw_now $nw_l"; nw_l=; done; } 2>/dev/null < "$1"
  set -f; set -- $nw_now; set +f; nw_now=$*
}`;

/**
 * The sysctls from operations[first] to the last one in a row: one sysctl -w for all of them,
 * then each checked live (read by the shell) and reported in order. Only when that sysctl -w
 * fails are they set again one by one, to fail on the key that was refused, as before. Keys after
 * a refused one may then be set live already; their values before the run are in the manifest
 * (backed up above), which the rollback restores whatever the run reported.
 */
function sysctlRunScript(operations: readonly Operation[], first: number): Script {
  const run: { op: Extract<Operation, { op: 'sysctl' }>; step: string }[] = [];
  for (let index = first; operations[index]?.op === 'sysctl'; index++) run.push({ op: operations[index] as Extract<Operation, { op: 'sysctl' }>, step: `op-${index}` });
  const assignments = run.map(({ op }) => `${op.key}=${op.value}`);
  const oneByOne = run.map(({ op, step }) => sh`${run.length === 1 ? sh`` : sh`  `}sysctl -w ${`${op.key}=${op.value}`} >/dev/null 2>&1 || nw_fail ${step} ${`sysctl -w ${op.key} was refused`}`);
  return lines([
    ...(run.length === 1 ? [sh`${oneByOne}`] : [sh`sysctl -w ${assignments} >/dev/null 2>&1 || {`, ...oneByOne, sh`}`]),
    ...run.map(({ op, step }) =>
      lines([sh`nw_sysctl_now ${sysctlPath(op.key)}; [ "$nw_now" = ${op.value} ] || nw_fail ${step} ${`${op.key} did not take (now `}"$nw_now)"`, sh`echo NW_OK ${step}`]),
    ),
  ]);
}

function operationScript(op: Operation, index: number, pathIndex: number, runId: string): Script {
  const step = `op-${index}`;
  switch (op.op) {
    case 'writeFile':
      return writeFileScript(op, step, pathIndex, runId);
    case 'deleteFile':
      return sh`rm -f -- ${op.path} || nw_fail ${step} "cannot delete"\necho NW_OK ${step}`;
    case 'chmod':
      return sh`chmod ${op.mode} -- ${op.path} || nw_fail ${step} "chmod failed"\necho NW_OK ${step}`;
    case 'chown': {
      const spec = op.owner !== undefined ? `${op.owner}${op.group !== undefined ? `:${op.group}` : ''}` : `:${op.group ?? ''}`;
      return sh`chown ${spec} -- ${op.path} || nw_fail ${step} "chown failed"\necho NW_OK ${step}`;
    }
    default:
      return serviceOpScript(op, step) ?? sh`nw_fail ${step} "unknown operation"`;
  }
}

export function tempPath(path: string, runId: string, pathIndex: number): string {
  const dir = dirnameOf(path);
  return `${dir === '/' ? '' : dir}/.nodeward.${runId}.${pathIndex}.tmp`;
}

function writeFileScript(op: Extract<Operation, { op: 'writeFile' }>, step: string, pathIndex: number, runId: string): Script {
  const dir = dirnameOf(op.path);
  const temp = tempPath(op.path, runId, pathIndex);
  const content = Buffer.from(op.content, 'base64');
  const doc = hereDocument(base64Lines(content), 'NW_EOF');
  const meta =
    op.mode !== undefined && op.owner !== undefined && op.group !== undefined
      ? sh`chown ${`${op.owner}:${op.group}`} "$t" && chmod ${op.mode} "$t"`
      : sh`if [ -e "$p" ]; then chown --reference="$p" "$t" && chmod --reference="$p" "$t"; else chown 0:0 "$t" && chmod 0644 "$t"; fi`;
  return lines([
    sh`p=${op.path}; d=${dir}; t=${temp}`,
    sh`if [ ! -d "$d" ]; then mkdir -p -- "$d" && ${appendRow('dir', [sh`${pathIndex}`, sh`${b64(dir)}`])} || nw_fail ${step} "cannot create the directory"; fi`,
    sh`base64 -d > "$t" ${doc.redirect}`,
    doc.body,
    sh`[ $? -eq 0 ] || { rm -f -- "$t"; nw_fail ${step} "cannot write the temporary file (disk full?)"; }`,
    sh`nw_fsync "$t"`,
    ...(op.validate && op.validate.length > 0 ? [validateLine(op.validate, op.path, step)] : []),
    sh`{ ${meta}; } || { rm -f -- "$t"; nw_fail ${step} "cannot set owner or mode"; }`,
    sh`mv -f -- "$t" "$p" || { rm -f -- "$t"; nw_fail ${step} "rename failed"; }`,
    sh`nw_fsync "$d"`,
    appendRow('written', [sh`${pathIndex}`, sh`${sha256(content)}`]),
    sh`echo NW_OK ${step}`,
  ]);
}

/** Runs the validator on the temporary file, bounded; the real file is untouched when it refuses. */
function validateLine(argv: readonly string[], path: string, step: string): Script {
  const command = argv.map((arg) => (arg === '%s' ? sh`"$t"` : sh`${arg}`));
  const label = argv.map((arg) => (arg === '%s' ? `<new ${path}>` : arg)).join(' ');
  return lines([
    sh`nw_bounded "$NW_T" ${command} > "$R/validate.log" 2>&1; rc=$?`,
    sh`if [ "$rc" = 124 ]; then rm -f -- "$t"; nw_fail ${step} ${`the validator \`${label}\` did not finish within `}"$NW_T s; the node stopped it"; fi`,
    sh`if [ "$rc" != 0 ]; then rm -f -- "$t"; nw_fail ${step} ${`${argv[0] ?? 'the validator'} refused the new content: `}"$(tail -n 2 "$R/validate.log" | tr '\\n' ' ')"; fi`,
  ]);
}

export interface WriteOutcome {
  readonly done: boolean;
  /** The revert timer: node clock when armed and its seconds (only for runs that need a confirmation). */
  readonly armed: { readonly at: number; readonly seconds: number } | undefined;
  readonly completed: readonly string[];
  readonly failure: { readonly step: string; readonly message: string } | undefined;
}

export function parseWriteOutput(stdout: Buffer): WriteOutcome {
  const found = markers(stdout);
  const fail = found.find((m) => m.word === 'FAIL');
  const failure = fail ? { step: fail.rest.split(' ')[0] ?? '', message: fail.rest.split(' ').slice(1).join(' ') } : undefined;
  const armed = found.find((m) => m.word === 'ARMED')?.rest.split(' ').map(Number);
  return {
    done: found.some((m) => m.word === 'DONE'),
    armed: armed && armed.length === 2 ? { at: armed[0] ?? 0, seconds: armed[1] ?? 0 } : undefined,
    completed: found.filter((m) => m.word === 'OK').map((m) => m.rest),
    failure,
  };
}
