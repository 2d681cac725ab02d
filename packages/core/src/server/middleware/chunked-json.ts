// Parsing a large JSON body without stalling the event loop. `JSON.parse` of Label Studio's
// "Retrieve predictions" on a big project (20,000 tasks, ~30 MB) blocks for hundreds of ms, and with it
// `/health` and every other request. Instead, the bytes are scanned in slices of a few ms (yielding in
// between) to find the elements of the top-level object's large arrays (`tasks`); each element is
// parsed on its own, and the rest of the object (the skeleton, with those arrays emptied) in one
// `JSON.parse`. Anything this does not handle (other shapes, broken JSON, a `__proto__` or repeated
// key) falls back to `JSON.parse` of the whole text, so results and error messages stay exactly
// those of `JSON.parse`.

import { SLICE_MS, yieldToEventLoop } from '../../event-loop.js';

/** Arrays smaller than this (bytes) are parsed with the skeleton. */
const BIG_ARRAY_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;


/** Byte spans of one top-level array value and of its elements. */
interface ArraySpan {
  key: string;
  /** How many times the object names this key (JSON.parse keeps the last value). */
  keyCount: number;
  start: number;
  end: number;
  elements: Array<[number, number]>;
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Parse `bytes` (UTF-8 JSON) like `JSON.parse(bytes.toString('utf8'))`, yielding to the event loop
 * every few ms. Throws what `JSON.parse` throws for invalid JSON.
 */
export async function parseJsonYielding(bytes: Buffer): Promise<unknown> {
  const whole = () => JSON.parse(bytes.toString('utf8')) as unknown;
  const spans = await scanTopLevelArrays(bytes);
  if (!spans) return whole();
  const big = spans.filter((s) => s.end - s.start >= BIG_ARRAY_BYTES);
  const keys = new Set(big.map((s) => s.key));
  // `__proto__` is an own property in JSON.parse's result but a setter on assignment; a repeated key
  // makes the last value win: leave both to JSON.parse.
  if (big.length === 0 || keys.size !== big.length || keys.has('__proto__') || big.some((s) => s.keyCount !== 1)) return whole();
  try {
    // The skeleton: the text with each big array replaced by `[]`.
    const parts: Buffer[] = [];
    let at = 0;
    for (const span of big) {
      parts.push(bytes.subarray(at, span.start), EMPTY_ARRAY);
      at = span.end;
    }
    parts.push(bytes.subarray(at));
    const skeleton = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
    await yieldToEventLoop();
    for (const span of big) {
      const values = new Array<unknown>(span.elements.length);
      let sliceStart = performance.now();
      for (let i = 0; i < span.elements.length; i++) {
        const [s, e] = span.elements[i]!;
        values[i] = JSON.parse(bytes.toString('utf8', s, e));
        if ((i & 15) === 15 && performance.now() - sliceStart > SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      skeleton[span.key] = values;
    }
    return skeleton;
  } catch {
    // Some element is not valid JSON: JSON.parse of the whole text gives the error it always gave.
    return whole();
  }
}

const EMPTY_ARRAY = Buffer.from('[]');

/**
 * Scan a JSON object's bytes, a few ms at a time: the span of each top-level value that is an array,
 * with the spans of its elements. Null when the text is not an object this scanner understands (the
 * caller then uses JSON.parse, which reports the error). Only structure is checked here; the pieces
 * are validated by JSON.parse.
 */
async function scanTopLevelArrays(bytes: Buffer): Promise<ArraySpan[] | null> {
  const n = bytes.length;
  let i = 0;
  while (i < n && isSpace(bytes[i]!)) i++;
  if (bytes[i] !== OPEN_BRACE) return null;
  i++;
  const spans: ArraySpan[] = [];
  const keyCounts = new Map<string, number>();
  let depth = 1; // nesting depth: 1 = inside the top-level object
  let inString = false;
  let keyStart = -1; // start of the string that may be the current key (depth 1)
  let lastKey: string | null = null;
  let expectKey = true; // at depth 1, the next string is a key
  let current: ArraySpan | null = null; // the top-level array being scanned (depth 2 = its elements)
  let elementStart = -1;
  let sliceStart = performance.now();
  let steps = 0;
  for (; i < n; i++) {
    if ((++steps & 0xfff) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    if (inString) {
      // Jump to the next quote (native search: most of a body is the tasks' text); an odd run of
      // backslashes before it escapes it.
      const q = bytes.indexOf(QUOTE, i);
      if (q < 0) return null;
      let k = q - 1;
      while (k >= i && bytes[k] === BACKSLASH) k--;
      i = q;
      if ((q - 1 - k) % 2 === 1) continue;
      {
        inString = false;
        if (depth === 1 && keyStart >= 0) {
          try {
            lastKey = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + keyStart, i + 1 - keyStart).toString('utf8')) as string;
            keyCounts.set(lastKey, (keyCounts.get(lastKey) ?? 0) + 1);
          } catch {
            return null;
          }
          keyStart = -1;
        }
      }
      continue;
    }
    const b = bytes[i]!;
    if (b === QUOTE) {
      inString = true;
      if (depth === 1 && expectKey) {
        keyStart = i;
        expectKey = false;
      }
      if (current && depth === 2 && elementStart < 0) elementStart = i;
      continue;
    }
    if (isSpace(b)) continue;
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (depth === 1 && b === OPEN_BRACKET) {
        if (lastKey === null) return null;
        current = { key: lastKey, keyCount: 0, start: i, end: -1, elements: [] };
      } else if (current && depth === 2 && elementStart < 0) {
        elementStart = i;
      }
      depth++;
      continue;
    }
    if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
      if (depth === 1 && current) {
        if (b !== CLOSE_BRACKET) return null;
        if (elementStart >= 0) current.elements.push([elementStart, i]);
        else if (current.elements.length > 0) return null; // a trailing comma
        current.end = i + 1;
        spans.push(current);
        current = null;
        elementStart = -1;
      } else if (depth === 0) {
        if (b !== CLOSE_BRACE) return null;
        for (i++; i < n; i++) if (!isSpace(bytes[i]!)) return null;
        for (const span of spans) span.keyCount = keyCounts.get(span.key) ?? 0;
        return spans;
      }
      if (depth < 0) return null;
      continue;
    }
    if (b === COMMA) {
      if (depth === 1) {
        expectKey = true;
        lastKey = null;
      } else if (current && depth === 2) {
        if (elementStart < 0) return null; // an empty element
        current.elements.push([elementStart, i]);
        elementStart = -1;
      }
      continue;
    }
    if (b === COLON && depth === 1) continue;
    // A scalar (number, true, false, null) starts an element.
    if (current && depth === 2 && elementStart < 0) elementStart = i;
  }
  return null;
}
