import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  LabelStudioTokenProvider,
  authHeader,
  isJwtWellFormed,
  isPersonalAccessToken,
  resolveLabelStudioApiKey,
  resolveLabelStudioBaseUrl,
} from './access-token.js';
import { MediaError } from './errors.js';
import { makeJwt, makePat, serveTokenRefresh, startFakeServer, type FakeServer } from './fake-label-studio.test-helper.js';

const quiet = { warn: () => undefined };

describe('JWT helpers', () => {
  it('authHeader uses Token for legacy keys and Bearer for well-formed JWTs', () => {
    expect(authHeader('0123456789abcdef0123456789abcdef01234567')).toBe('Token 0123456789abcdef0123456789abcdef01234567');
    const jwt = makeJwt({ exp: 1 });
    expect(authHeader(jwt)).toBe(`Bearer ${jwt}`);
  });

  it('isJwtWellFormed needs three base64url parts with a JSON object header', () => {
    expect(isJwtWellFormed(makeJwt({}))).toBe(true);
    expect(isJwtWellFormed('a.b')).toBe(false);
    expect(isJwtWellFormed('a.b.c.d')).toBe(false);
    expect(isJwtWellFormed(`${Buffer.from('[1]').toString('base64url')}.e30.x`)).toBe(false); // header not an object
    expect(isJwtWellFormed(`${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`)).toBe(true); // empty signature
    expect(isJwtWellFormed('not!base64.e30.x')).toBe(false);
    expect(isJwtWellFormed(`${Buffer.from('{"kid":1}').toString('base64url')}.e30.x`)).toBe(false);
  });

  it('isPersonalAccessToken: JWT with a future exp, not an access token', () => {
    const now = Date.now();
    expect(isPersonalAccessToken(makePat(), now)).toBe(true);
    expect(isPersonalAccessToken(makePat(Math.floor(now / 1000) - 10), now)).toBe(false); // expired: legacy, as in Python
    expect(isPersonalAccessToken(makeJwt({ token_type: 'refresh' }), now)).toBe(false); // no exp
    expect(isPersonalAccessToken(makeJwt({ token_type: 'access', exp: now / 1000 + 60 }), now)).toBe(false);
    expect(isPersonalAccessToken('legacy-token', now)).toBe(false);
  });
});

describe('env resolution', () => {
  it('base URL: LABEL_STUDIO_URL, then LABEL_STUDIO_HOST, then an http(s) HOSTNAME', () => {
    expect(resolveLabelStudioBaseUrl({ LABEL_STUDIO_URL: 'http://ls:8080/', LABEL_STUDIO_HOST: 'http://h', HOSTNAME: 'http://x' })).toBe('http://ls:8080');
    expect(resolveLabelStudioBaseUrl({ LABEL_STUDIO_HOST: 'https://h.example.com', HOSTNAME: 'http://x' })).toBe('https://h.example.com');
    expect(resolveLabelStudioBaseUrl({ HOSTNAME: 'https://ls.example.com' })).toBe('https://ls.example.com');
    // Docker sets HOSTNAME to the container id: not a URL, so ignored.
    expect(resolveLabelStudioBaseUrl({ HOSTNAME: '3f2a9c1b7e4d' })).toBeUndefined();
    expect(resolveLabelStudioBaseUrl({ LABEL_STUDIO_URL: '', HOSTNAME: '3f2a9c1b7e4d' })).toBeUndefined();
  });

  it('API key: LABEL_STUDIO_API_KEY, then LABEL_STUDIO_ACCESS_TOKEN', () => {
    expect(resolveLabelStudioApiKey({ LABEL_STUDIO_API_KEY: 'a', LABEL_STUDIO_ACCESS_TOKEN: 'b' })).toBe('a');
    expect(resolveLabelStudioApiKey({ LABEL_STUDIO_ACCESS_TOKEN: 'b' })).toBe('b');
    expect(resolveLabelStudioApiKey({})).toBeUndefined();
  });
});

describe('LabelStudioTokenProvider', () => {
  let ls: FakeServer;
  beforeAll(async () => {
    ls = await startFakeServer();
  });
  afterAll(async () => {
    await ls.close();
  });
  beforeEach(() => {
    ls.requests.length = 0;
  });
  const refreshCalls = () => ls.hits('/api/token/refresh/').length;

  it('returns a legacy key as is, without any request', async () => {
    const p = new LabelStudioTokenProvider({ env: { LABEL_STUDIO_URL: ls.origin, LABEL_STUDIO_API_KEY: 'legacy-123' } });
    expect(p.tokenKind).toBe('legacy');
    expect(await p.getToken()).toBe('legacy-123');
    expect(ls.requests).toHaveLength(0);
  });

  it('returns undefined when no key is configured', async () => {
    const p = new LabelStudioTokenProvider({ env: { LABEL_STUDIO_URL: ls.origin } });
    expect(p.tokenKind).toBe('none');
    expect(await p.getToken()).toBeUndefined();
  });

  it('exchanges a PAT once, caches the access token, and shares one refresh between concurrent callers', async () => {
    const pat = makePat();
    const issued = serveTokenRefresh(ls, pat);
    const p = new LabelStudioTokenProvider({ env: { LABEL_STUDIO_URL: `${ls.origin}/`, LABEL_STUDIO_API_KEY: pat } });
    expect(p.tokenKind).toBe('personal-access-token');
    const tokens = await Promise.all([p.getToken(), p.getToken(), p.getToken(), p.getToken(), p.getToken()]);
    expect(refreshCalls()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set([issued[0]]));
    expect(await p.getToken()).toBe(issued[0]);
    expect(refreshCalls()).toBe(1);
    const call = ls.hits('/api/token/refresh/')[0];
    expect(call?.method).toBe('POST');
    expect(call?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call?.body ?? '')).toEqual({ refresh: pat });
  });

  it('refreshes when the cached access token is within the skew of its exp', async () => {
    let now = Date.now();
    const pat = makePat();
    serveTokenRefresh(ls, pat, 300, () => now);
    const p = new LabelStudioTokenProvider({ baseUrl: ls.origin, apiKey: pat, now: () => now, skewSeconds: 30 });
    const first = await p.getToken();
    now += 250_000; // 50 s left: still fine
    expect(await p.getToken()).toBe(first);
    expect(refreshCalls()).toBe(1);
    now += 30_000; // 20 s left, inside the 30 s skew
    const second = await p.getToken();
    expect(second).not.toBe(first);
    expect(refreshCalls()).toBe(2);
    p.invalidate();
    await p.getToken();
    expect(refreshCalls()).toBe(3);
  });

  it('a refused refresh throws TOKEN_REFRESH_FAILED without echoing the key, and the next call retries', async () => {
    const pat = makePat();
    serveTokenRefresh(ls, 'some-other-pat');
    const p = new LabelStudioTokenProvider({ baseUrl: ls.origin, apiKey: pat });
    const err = await p.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('TOKEN_REFRESH_FAILED');
    expect((err as MediaError).status).toBe(401);
    expect((err as MediaError).message).toContain('Token is invalid or expired');
    expect((err as MediaError).message).not.toContain(pat);
    const issued = serveTokenRefresh(ls, pat);
    expect(await p.getToken()).toBe(issued[0]);
  });

  it('falls back to the raw PAT when no base URL is known (as Python does)', async () => {
    const pat = makePat();
    const p = new LabelStudioTokenProvider({ env: { LABEL_STUDIO_API_KEY: pat, HOSTNAME: 'container-id' }, logger: quiet });
    expect(p.baseUrl).toBeUndefined();
    expect(await p.getToken()).toBe(pat);
  });
});
