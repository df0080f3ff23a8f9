import { isIP } from 'node:net';
import { z } from 'zod';

/** Validators shared by every resource schema. Values end up in remote shell commands (always quoted). */

const FORBIDDEN_PATH_CHARS = /[\0\n\r]/;

/**
 * Characters no path, sysctl or kubelet value on a node legitimately carries but shell
 * injection does. Every value is quoted anyway; refusing them too turns a hostile or garbled
 * playbook into an input error (file, line, column) before anything is contacted.
 */
const SUSPICIOUS = /[\x01-\x08\x0b\x0c\x0e-\x1f\x7f`"'\\|]|\$\(|\$\{/;

/** Shell-ish or control characters (NUL and line breaks are reported by the line-level checks). */
export function suspiciousText(value: string): boolean {
  return SUSPICIOUS.test(value);
}

const NO_SUSPICIOUS_MESSAGE = 'must not contain control characters, quotes, backslashes, backticks, | or $( ) / ${ }';

export const absolutePath = z
  .string()
  .min(2, 'must be an absolute path')
  .refine((p) => p.startsWith('/'), 'must be an absolute path (start with /)')
  .refine((p) => !FORBIDDEN_PATH_CHARS.test(p), 'must not contain NUL or newline characters')
  .refine((p) => !p.split('/').includes('..'), "must not contain '..' segments")
  .refine((p) => !p.split('/').slice(1, -1).includes('') && !p.endsWith('/'), 'must not contain empty segments or end with /')
  .refine((p) => !suspiciousText(p), NO_SUSPICIOUS_MESSAGE);

/** An absolute path that may contain shell-style glob characters (* ? [..]) in its segments. */
export const absoluteGlob = absolutePath;

export const octalMode = z
  .string()
  .regex(/^0?[0-7]{3}$/, 'must be an octal mode such as "0644" (quote it in YAML)')
  .transform((m) => (m.length === 3 ? `0${m}` : m));

export const accountName = z
  .union([z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'must be a user or group name'), z.number().int().min(0)])
  .transform((v) => String(v));

export const serviceToRestart = z.enum(['kubelet', 'containerd']);
export type ServiceToRestart = z.infer<typeof serviceToRestart>;

export const sysctlName = z
  .string()
  .regex(/^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/, 'must be a sysctl name such as net.ipv4.ip_forward');

export const sysctlValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v).trim().replace(/\s+/g, ' ')))
  .refine((v) => v.length > 0 && !/[\0\n\r#;=]/.test(v), 'must be a single-line value without # ; =')
  .refine((v) => !suspiciousText(v), NO_SUSPICIOUS_MESSAGE);

/** A data value written into a structured config (kubelet YAML, containerd TOML): no shell or control characters in any string. */
export const configValue = z.unknown().superRefine((value, ctx) => {
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (typeof v === 'string' && (suspiciousText(v) || FORBIDDEN_PATH_CHARS.test(v))) ctx.addIssue({ code: 'custom', message: NO_SUSPICIOUS_MESSAGE, path });
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
  };
  walk(value, []);
});

/** An IPv4 or IPv6 address, optionally with a prefix length (CIDR); written into nftables rules. */
export const addressOrCidr = z
  .string()
  .refine((value) => cidrValid(value), 'must be an IP address or CIDR such as 198.19.0.1 or 10.0.0.0/16');

function cidrValid(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  if (extra !== undefined) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

export const port = z.number().int().min(1).max(65535);

/** A unit name as systemctl takes it (`vsftpd`, `telnet.socket`). */
export const unitNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9@._:\\-]*$/, 'must be a systemd unit name such as vsftpd or telnet.socket');
