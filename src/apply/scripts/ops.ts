import { appendRow } from '../../node/manifest.ts';
import type { Operation } from '../../plan/types.ts';
import { lines, sh, type Script } from '../../node/sh.ts';
import { b64 } from './common.ts';

/** Files augenrules rewrites: backed up like any written file so a rollback restores them exactly. */
export const AUDIT_GENERATED_FILES = ['/etc/audit/audit.rules', '/etc/audit/audit.rules.prev'] as const;

const UNIT_DIRS = /^\/(etc|run|lib|usr\/lib|usr\/local\/lib)\/systemd\/system\//;

export function isUnitFile(path: string): boolean {
  return UNIT_DIRS.test(path);
}

/** Paths an operation changes besides `path`: they are backed up before the first write. */
export function extraTouchedPaths(op: Operation): string[] {
  if (op.op === 'auditLoad') return [...AUDIT_GENERATED_FILES];
  if (op.op === 'nftLoad') return [op.record];
  return [];
}

/**
 * Node-side helpers for the service operations. What they record for the rollback are the
 * manifest's unit, package, nft and reload rows (node/manifest.ts).
 * Package managers are bounded by $NW_P (apt-get also waits at most half of it for the dpkg
 * lock another apt-get holds), sshd's check and reload by $NW_T; a hang returns 124.
 * nw_unit_state prints the first line of \`systemctl is-enabled|is-active UNIT\` (\`-\` if none),
 * cut by the shell rather than by \`head\`.
 */
export const OPS_FUNCTIONS = sh`nw_pkg_version() {
  case $1 in
    apt) s=$(dpkg-query -W -f='\${Status}|\${Version}' "$2" 2>/dev/null); case $s in 'install ok installed|'*) printf '%s' "\${s#*|}" ;; esac ;;
    *) v=$(rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}' "$2" 2>/dev/null) && printf '%s' "\${v#'(none):'}" ;;
  esac
}
nw_pkg_install() {
  case $1 in
    apt) nw_bounded "$NW_P" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades -o "DPkg::Lock::Timeout=$((NW_P / 2))" -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$2=$3" ;;
    *) nw_bounded "$NW_P" "$1" -y install "$2-$3"; nw_prc=$?; [ "$nw_prc" = 0 ] || [ "$nw_prc" = 124 ] || { nw_bounded "$NW_P" "$1" -y downgrade "$2-$3"; nw_prc=$?; }; return "$nw_prc" ;;
  esac
}
nw_pkg_remove() {
  case $1 in apt) nw_bounded "$NW_P" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q -o "DPkg::Lock::Timeout=$((NW_P / 2))" "$2" ;; *) nw_bounded "$NW_P" "$1" -y remove "$2" ;; esac
}
nw_unit_state() { s=$(systemctl "$1" -- "$2" 2>/dev/null); s=\${s%%"$NW_NL"*}; printf '%s' "\${s:--}"; }
nw_sshd_reload() {
  nw_bounded "$NW_T" sshd -t > "$R/sshd.log" 2>&1 || return
  if [ "$1" != - ] && [ "$(systemctl is-active -- "$1" 2>/dev/null)" = active ]; then nw_bounded "$NW_T" systemctl reload -- "$1" >> "$R/sshd.log" 2>&1 || return; fi
}`;

export function backupScript(op: Operation, index: number): Script | undefined {
  switch (op.op) {
    case 'unit':
      return sh`${appendRow('unit', [sh`${b64(op.unit)}`, sh`"$(nw_unit_state is-enabled ${op.unit})"`, sh`"$(nw_unit_state is-active ${op.unit})"`])} || nw_fail backup-unit "cannot write the manifest"`;
    case 'package':
      return sh`v=$(nw_pkg_version ${op.manager} ${op.name}); ${appendRow('package', [sh`${op.manager}`, sh`${op.name}`, sh`"\${v:--}"`])} || nw_fail backup-package "cannot write the manifest"`;
    case 'nftLoad':
      return lines([
        sh`if nft list table ${op.family} ${op.table} > "$R/backup/nft-${index}" 2>/dev/null; then e=1; else e=0; rm -f "$R/backup/nft-${index}"; fi`,
        sh`${appendRow('nft', [sh`${index}`, sh`${op.family}`, sh`${op.table}`, sh`"$e"`])} || nw_fail backup-nft "cannot write the manifest"`,
      ]);
    default:
      return undefined;
  }
}

function unitScript(op: Extract<Operation, { op: 'unit' }>, step: string): Script {
  const run = (verb: string): Script =>
    sh`nw_try ${step} "$NW_T" ${`systemctl ${verb} ${op.unit}`} systemctl ${verb} -- ${op.unit} > "$R/unit.log" 2>&1 || nw_fail ${step} ${`systemctl ${verb} ${op.unit} failed: `}"$(tail -n 1 "$R/unit.log")"`;
  const parts: Script[] = [];
  if (op.activity === 'stop') parts.push(run('stop'));
  if (op.enablement === 'disable' || op.enablement === 'mask') parts.push(run('disable'));
  if (op.enablement === 'mask') parts.push(run('mask'));
  if (op.enablement === 'enable') parts.push(sh`nw_try ${step} "$NW_T" ${`systemctl unmask ${op.unit}`} systemctl unmask -- ${op.unit} >/dev/null 2>&1`, run('enable'));
  if (op.activity === 'start') parts.push(run('start'));
  return lines(parts);
}

/** An accepted way for `auditctl -l` to print one watch (older and newer auditctl differ). */
export function watchForms(path: string, permissions: string, key: string): string[] {
  const bare = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return [
    `-w ${bare} -p ${permissions} -k ${key}`,
    `-w ${bare}/ -p ${permissions} -k ${key}`,
    `-a always,exit -F dir=${bare}/ -F perm=${permissions} -F key=${key}`,
    `-a always,exit -F dir=${bare} -F perm=${permissions} -F key=${key}`,
    `-a always,exit -F path=${bare} -F perm=${permissions} -F key=${key}`,
  ];
}

export function serviceOpScript(op: Operation, step: string): Script | undefined {
  switch (op.op) {
    case 'unit':
      return sh`${unitScript(op, step)}\necho NW_OK ${step}`;
    case 'sshdReload': {
      // One grep for every expected line: the expected lines are its input and sshd -T's output
      // its patterns (-e takes newline-separated patterns), so -v prints the expected lines no
      // output line equals, ignoring case, in their order: the same test as one \`grep -qixF\` per
      // line, and the first one missing is the one reported.
      const checks =
        op.expect.length === 0
          ? []
          : [
              sh`m=$(printf '%s\\n' ${op.expect} | grep -vixF -e "$o"); rc=$?`,
              sh`[ "$rc" = 1 ] || { [ "$rc" = 0 ] && nw_fail ${step} "sshd -T does not show \\"\${m%%"$NW_NL"*}\\" after the reload (an earlier drop-in or a Match block wins?)"; nw_fail ${step} "cannot compare the sshd -T output (grep failed)"; }`,
            ];
      return lines([
        appendRow('reload', [sh`sshd`, sh`${op.unit ?? '-'}`]),
        sh`nw_sshd_reload ${op.unit ?? '-'}; rc=$?`,
        sh`[ "$rc" = 124 ] && nw_fail ${step} "sshd -t or systemctl reload did not finish within $NW_T s; the node stopped it"`,
        sh`[ "$rc" = 0 ] || nw_fail ${step} "sshd refused the new config: $(tail -n 2 "$R/sshd.log" | tr '\\n' ' ')"`,
        sh`o=$(nw_bounded "$NW_T" sshd -T 2>&1) || { [ $? = 124 ] && nw_fail ${step} "sshd -T did not finish within $NW_T s; the node stopped it"; }`,
        ...checks,
        sh`echo NW_OK ${step}`,
      ]);
    }
    case 'auditLoad':
      return lines([
        appendRow('reload', [sh`audit`]),
        sh`nw_try ${step} "$NW_T" 'augenrules --load' augenrules --load > "$R/audit.log" 2>&1 || nw_fail ${step} "augenrules --load failed: $(tail -n 2 "$R/audit.log" | tr '\\n' ' ')"`,
        sh`o=$(nw_bounded "$NW_T" auditctl -l 2>&1) || { [ $? = 124 ] && nw_fail ${step} "auditctl -l did not finish within $NW_T s; the node stopped it"; }`,
        // each watch is one of the lines of auditctl -l, in any of its forms: matched by the
        // shell (quoted patterns match literally; the same test as \`grep -qxF -e FORM…\`)
        ...op.expect.map((line) => {
          const [, path = '', permissions = '', key = ''] = /^-w (\S+) -p (\S+) -k (\S+)$/.exec(line) ?? [];
          const forms = watchForms(path, permissions, key)
            .map((f) => sh`*"$NW_NL"${f}"$NW_NL"*`)
            .reduce((all, form) => sh`${all}|${form}`);
          return sh`case "$NW_NL$o$NW_NL" in ${forms}) ;; *) nw_fail ${step} ${`auditctl -l does not show ${line} after loading`} ;; esac`;
        }),
        sh`echo NW_OK ${step}`,
      ]);
    case 'nftLoad':
      return lines([
        sh`nw_try ${step} "$NW_T" ${`nft -c -f ${op.path}`} nft -c -f ${op.path} > "$R/nft.log" 2>&1 || nw_fail ${step} ${`nft -c refused ${op.path}: `}"$(head -n 3 "$R/nft.log" | tr '\\n' ' ')"`,
        sh`nw_try ${step} "$NW_T" ${`nft -f ${op.path}`} nft -f ${op.path} > "$R/nft.log" 2>&1 || nw_fail ${step} ${`nft -f ${op.path} failed: `}"$(head -n 3 "$R/nft.log" | tr '\\n' ' ')"`,
        sh`h=$(sha256sum < ${op.path} | cut -c1-64); l=$(nw_bounded "$NW_T" nft list table ${op.family} ${op.table} | sha256sum | cut -c1-64)`,
        sh`printf '%s %s\\n' "$h" "$l" > ${`${op.record}.tmp`} && mv -f ${`${op.record}.tmp`} ${op.record} || nw_fail ${step} "cannot record the loaded table"`,
        sh`echo NW_OK ${step}`,
      ]);
    case 'package':
      return lines([
        ...(op.refresh && op.manager === 'apt' ? [sh`nw_bounded "$NW_P" apt-get update -q > "$R/package.log" 2>&1 || true`] : []),
        sh`nw_pkg_install ${op.manager} ${op.name} ${op.version} >> "$R/package.log" 2>&1; rc=$?`,
        sh`[ "$rc" = 124 ] && nw_fail ${step} ${`installing ${op.name} ${op.version} did not finish within `}"$NW_P s; the node stopped it (another package manager holding its lock?)"`,
        sh`[ "$rc" = 0 ] || nw_fail ${step} ${`installing ${op.name} ${op.version} failed: `}"$(tail -n 1 "$R/package.log")"`,
        sh`v=$(nw_pkg_version ${op.manager} ${op.name}); [ "$v" = ${op.version} ] || nw_fail ${step} ${`${op.name} is `}"$v"${` after the install, not ${op.version}`}`,
        sh`echo NW_OK ${step}`,
      ]);
    case 'confirm':
      return sh`echo NW_OK ${step}`;
    default:
      return undefined;
  }
}
