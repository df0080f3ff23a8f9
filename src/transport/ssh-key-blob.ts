import { createHash } from 'node:crypto';

/**
 * The key type named inside an SSH public key blob (RFC 4253 §6.6: string type, then
 * type-specific fields). Undefined when the blob is not a well-formed SSH key.
 */
export function readKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  const type = blob.toString('latin1', 4, 4 + length);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** OpenSSH's default fingerprint: `SHA256:` + base64 of the blob's SHA-256, without padding. */
export function fingerprintSha256(blob: Buffer): string {
  const digest = createHash('sha256').update(blob).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}
