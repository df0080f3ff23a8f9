import { z } from 'zod';

/** Validators shared by every resource schema. Values end up in remote shell commands (always quoted). */

const FORBIDDEN_PATH_CHARS = /[\0\n\r]/;

export const absolutePath = z
  .string()
  .min(2, 'must be an absolute path')
  .refine((p) => p.startsWith('/'), 'must be an absolute path (start with /)')
  .refine((p) => !FORBIDDEN_PATH_CHARS.test(p), 'must not contain NUL or newline characters')
  .refine((p) => !p.split('/').includes('..'), "must not contain '..' segments")
  .refine((p) => !p.split('/').slice(1, -1).includes('') && !p.endsWith('/'), 'must not contain empty segments or end with /');

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
  .refine((v) => v.length > 0 && !/[\0\n\r#;=]/.test(v), 'must be a single-line value without # ; =');
