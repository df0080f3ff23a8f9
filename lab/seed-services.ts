import { standin } from './config.ts';

/** The parts of seed.ts's overlay writer this needs. */
export interface UpperWriter {
  file(rel: string, content: string, mode?: number): Promise<void>;
  copy(rel: string, from: string, mode: number): Promise<void>;
  link(rel: string, target: string): Promise<void>;
}

const WANTS = 'etc/systemd/system/multi-user.target.wants';

/** A service a node should not run, as its package installs it (the daemon is an idle stand-in). */
function unit(description: string, exec: string): string {
  return `[Unit]\nDescription=${description}\nAfter=network.target\n\n[Service]\nExecStart=${exec}\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n`;
}

// Debian's auditd.service, minus what the lab's service manager does not read.
const AUDITD_SERVICE = `[Unit]
Description=Security Auditing Service
DefaultDependencies=no
After=local-fs.target systemd-tmpfiles-setup.service
Before=sysinit.target shutdown.target
Conflicts=shutdown.target
Documentation=man:auditd(8) https://github.com/linux-audit/audit-documentation

[Service]
Type=forking
PIDFile=/run/auditd.pid
ExecStart=/sbin/auditd
ExecStartPost=-/sbin/augenrules --load
Restart=on-failure
RestartPreventExitStatus=2 4 6

[Install]
WantedBy=multi-user.target
`;

const AUDIT_BASE_RULES = `## First rule - delete all
-D

## Increase the buffers to survive stress events.
## Make this bigger for busy systems
-b 8192

## This determine how long to wait in burst of events
--backlog_wait_time 60000

## Set failure mode to syslog
-f 1
`;

/** Package versions installed on every node, and what the node's repository offers (oldest first). */
export const PACKAGES_INSTALLED: Readonly<Record<string, string>> = { 'containerd.io': '1.7.20-1', kubelet: '1.31.4-1.1', runc: '1.1.12-1' };
export const PACKAGES_AVAILABLE: Readonly<Record<string, readonly string[]>> = {
  'containerd.io': ['1.7.20-1', '1.7.22-1'],
  kubelet: ['1.31.4-1.1', '1.31.5-1.1'],
  runc: ['1.1.12-1', '1.1.14-1'],
};

/**
 * What the services, auditd and package resources work on: unneeded network services enabled and
 * running (vsftpd everywhere, inetd with telnet on even nodes), the audit package installed but
 * not enabled, and a package manager with a private database.
 */
export async function seedNodeServices(u: UpperWriter, index: number, ctlClient: string): Promise<void> {
  await u.copy('usr/sbin/vsftpd', standin('idle-daemon'), 0o755);
  await u.file('usr/lib/systemd/system/vsftpd.service', unit('vsftpd FTP server', '/usr/sbin/vsftpd /etc/vsftpd.conf'));
  await u.file('etc/vsftpd.conf', 'listen=YES\nanonymous_enable=NO\nlocal_enable=YES\n');
  await u.link(`${WANTS}/vsftpd.service`, '/lib/systemd/system/vsftpd.service');
  if (index % 2 === 0) {
    await u.copy('usr/sbin/inetd', standin('idle-daemon'), 0o755);
    await u.file('usr/lib/systemd/system/inetd.service', unit('Internet superserver', '/usr/sbin/inetd -i'));
    await u.file('etc/inetd.conf', 'telnet stream tcp nowait telnetd /usr/sbin/tcpd /usr/sbin/in.telnetd\n');
    await u.link(`${WANTS}/inetd.service`, '/lib/systemd/system/inetd.service');
  }

  // auditctl is the C client of the node's init (its rules live there: nwinit/audit.py)
  await u.copy('usr/sbin/auditctl', ctlClient, 0o755);
  for (const tool of ['augenrules', 'auditd']) await u.copy(`usr/sbin/${tool}`, standin(tool), 0o755);
  await u.file('usr/lib/systemd/system/auditd.service', AUDITD_SERVICE);
  await u.file('etc/audit/rules.d/audit.rules', AUDIT_BASE_RULES, 0o640);

  await u.copy('usr/bin/apt-get', standin('apt-get'), 0o755);
  await u.copy('usr/bin/dpkg-query', standin('dpkg-query'), 0o755);
  await u.file('var/lib/nwlab-packages/status.json', JSON.stringify(PACKAGES_INSTALLED, null, 1) + '\n');
  await u.file('var/lib/nwlab-packages/repo.json', JSON.stringify(PACKAGES_AVAILABLE, null, 1) + '\n');
}
