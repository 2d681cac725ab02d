import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { HttpError } from '../http-errors.js';
import { SLICE_MS } from '../../event-loop.js';
import { parseJsonYielding } from './chunked-json.js';

/** Bodies from this size (bytes) on are parsed in slices, yielding to the event loop (chunked-json.ts). */
const YIELDING_PARSE_BYTES = 1024 * 1024;

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };

/** `100kb`, `50mb`, `1024` → bytes (1024-based, like the `bytes` package Express used). */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?b)?\s*$/i.exec(size);
  if (!m) throw new Error(`Invalid body size "${size}": use bytes or a size such as 50mb`);
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

const UNSUPPORTED =
  "Unsupported Media Type: Did not attempt to load JSON data because the request Content-Type was not 'application/json'.";

/** 415 unless the content type is JSON (`application/json` or `application/*+json`), checked before reading. */
export function assertJsonContentType(contentType: string | undefined): void {
  if (!contentType) throw new HttpError(415, UNSUPPORTED);
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type !== 'application/json' && !(type.startsWith('application/') && type.endsWith('+json'))) throw new HttpError(415, UNSUPPORTED);
  if (semi >= 0) {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new HttpError(415, `Bad Request: unsupported charset "${charset.toUpperCase()}"`);
  }
}

/**
 * Read and parse a JSON request body with a size limit: 413 past the limit (the declared length is
 * checked before reading), 400 for broken JSON, 415 for an unknown content encoding. A request
 * without a body gives `undefined`; an empty one `{}` (what Express's parser did).
 */
export function readJsonBody(req: IncomingMessage, limit: number, limitText: string): Promise<unknown> {
  const headers = req.headers;
  const length = headers['content-length'];
  if (length === undefined && headers['transfer-encoding'] === undefined) return Promise.resolve(undefined);
  const tooLarge = () => new HttpError(413, `Payload Too Large: the request body exceeds the ${limitText} limit`);
  const encoding = (headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' && length !== undefined && Number(length) > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  let stream: Readable = req;
  if (encoding !== 'identity') {
    const inflate = encoding === 'gzip' ? zlib.createGunzip() : encoding === 'deflate' ? zlib.createInflate() : encoding === 'br' ? zlib.createBrotliDecompress() : null;
    if (!inflate) {
      req.resume();
      return Promise.reject(new HttpError(415, `Unsupported Media Type: unsupported content encoding "${encoding}"`));
    }
    stream = req.pipe(inflate);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A big body of known length is copied into one buffer as it arrives: Buffer.concat of 30 MB at the
    // end would block the event loop in one go.
    const declared = encoding === 'identity' && length !== undefined ? Number(length) : NaN;
    const whole = declared >= YIELDING_PARSE_BYTES ? Buffer.allocUnsafe(declared) : null;
    let done = false;
    const fail = (err: HttpError) => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      if (stream !== req) req.unpipe();
      req.resume();
      reject(err);
    };
    // A client on a fast link fills the socket faster than a big body is copied (the first write to a
    // fresh 30 MB buffer page-faults), and libuv then reads up to 32 chunks (2 MB) in one go. After
    // SLICE_MS of that within one turn of the event loop, the stream is paused until the next turn, so
    // /health and other requests are answered in between.
    let sliceStart = -1;
    const endSlice = () => {
      sliceStart = -1;
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge());
      else if (!whole) chunks.push(chunk);
      else if (size > whole.length) fail(new HttpError(400, 'Bad Request: the body is longer than its Content-Length'));
      else chunk.copy(whole, size - chunk.length);
      if (done || (!whole && size < YIELDING_PARSE_BYTES)) return;
      const now = performance.now();
      if (sliceStart < 0) {
        sliceStart = now;
        setImmediate(endSlice);
      } else if (now - sliceStart > SLICE_MS) {
        stream.pause();
        setImmediate(() => {
          if (!done) stream.resume();
        });
      }
    };
    stream.on('data', onData);
    stream.once('error', (err: Error) => fail(new HttpError(400, `Bad Request: ${err.message}`)));
    req.once('aborted', () => fail(new HttpError(400, 'Bad Request: request aborted')));
    stream.once('end', () => {
      if (done) return;
      done = true;
      const decodeError = (err: unknown) => new HttpError(400, `Bad Request: Failed to decode JSON object: ${(err as Error).message}`);
      if (whole) {
        if (size !== whole.length) return reject(new HttpError(400, 'Bad Request: the body is shorter than its Content-Length'));
        parseJsonYielding(whole).then(resolve, (err: unknown) => reject(decodeError(err)));
        return;
      }
      if (size >= YIELDING_PARSE_BYTES) {
        // A big body (Label Studio's "Retrieve predictions" on a large project) is parsed a few ms at a
        // time so that /health and other requests keep being answered meanwhile.
        parseJsonYielding(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).then(resolve, (err: unknown) => reject(decodeError(err)));
        return;
      }
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      if (text.length === 0) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(decodeError(err));
      }
    });
  });
}

/** 400 unless the body is a JSON object (not an array, scalar or nothing). */
export function assertObjectBody(body: unknown): asserts body is Record<string, unknown> {
  if (body === undefined) throw new HttpError(400, 'Bad Request: the request body is empty; a JSON object is required');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Bad Request: the request body must be a JSON object');
  }
}
