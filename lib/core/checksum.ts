import { createHash } from 'crypto';

/** Stable digest of a settings map, for pod annotations that roll pods when settings change. */
export function checksumOf(data: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}
