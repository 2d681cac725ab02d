/**
 * Sets `obj[key]` as an own enumerable property. Keys come from user XML, and a plain assignment of
 * `__proto__` would change the prototype instead of adding a key.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** A plain object from map entries, insertion order kept (except integer-like keys, which JS sorts first). */
export function objectFromMap<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  const obj: Record<string, T> = {};
  for (const [k, v] of map) setOwn(obj, k, v);
  return obj;
}

/** Python's `repr()` of a str, used where Python error messages embed values. */
export function pyRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}
