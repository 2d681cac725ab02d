/**
 * The bit of HTTP content negotiation the routes need: does an `Accept` header accept a media type?
 * The most specific matching range decides (`text/html;q=0` beats `*\/*`), as in Express's `req.accepts`.
 */
export function acceptsType(accept: string | undefined, type: string): boolean {
  if (!accept) return true;
  const slash = type.indexOf('/');
  const major = type.slice(0, slash);
  let best = -1;
  let q = 0;
  for (const part of accept.split(',')) {
    const [rangeRaw, ...params] = part.split(';');
    const range = rangeRaw!.trim().toLowerCase();
    let specificity: number;
    if (range === type) specificity = 2;
    else if (range === `${major}/*`) specificity = 1;
    else if (range === '*/*') specificity = 0;
    else continue;
    if (specificity < best) continue;
    let quality = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'q') quality = Number(v);
    }
    if (specificity > best || quality > q) {
      best = specificity;
      q = Number.isFinite(quality) ? quality : 0;
    }
  }
  return best >= 0 && q > 0;
}
