import { createHash, timingSafeEqual } from 'node:crypto';
import type { Reply } from '../route-types.js';

/** Hash both sides so the comparison is constant-time whatever the lengths. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** Parse `Authorization: Basic base64(user:pass)`; anything else (Bearer, junk, no colon) is null. */
export function parseBasicAuth(header: string | undefined): { user: string; pass: string } | null {
  if (!header) return null;
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

const UNAUTHORIZED: Reply = {
  status: 401,
  type: 'text/html; charset=utf-8',
  body: 'Unauthorized',
  headers: { 'WWW-Authenticate': 'Basic realm="Login required"' },
};

/**
 * Basic auth as in Python (§3): on only when both user and password are set, checked before routing
 * (so unknown paths give 401 too), body exactly `Unauthorized`. Unlike Python, any malformed, non-Basic
 * or non-ASCII credential is a 401, never a 500 (Q6). Returns the 401 reply, or null to let the request on.
 */
export function basicAuth(user: string, pass: string): (authorization: string | undefined) => Reply | null {
  // The last header that passed: Label Studio sends the same one on every request, so skip the hashing.
  let lastGood: string | undefined;
  return (authorization) => {
    if (authorization !== undefined && authorization === lastGood) return null;
    const creds = parseBasicAuth(authorization);
    if (creds) {
      // Compare both parts every time so timing does not tell which one was wrong.
      const userOk = sameSecret(creds.user, user);
      const passOk = sameSecret(creds.pass, pass);
      if (userOk && passOk) {
        lastGood = authorization;
        return null;
      }
    }
    return UNAUTHORIZED;
  };
}
