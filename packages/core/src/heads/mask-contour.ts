// A mask's outline as a polygon: the largest 4-connected blob, its outer boundary traced along pixel
// edges (so a polygon drawn from it covers exactly the blob's pixels, holes aside), then simplified
// with Douglas–Peucker. Used by brushHead for PolygonLabels next to BrushLabels.

/** Label the 4-connected blobs of `mask` (non-zero = inside) and return the pixels of the largest. */
function largestBlob(mask: Uint8Array, width: number, height: number): Uint8Array | null {
  const labels = new Int32Array(width * height);
  const queue = new Int32Array(width * height);
  let best = 0;
  let bestSize = 0;
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    const label = ++next;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = label;
    while (head < tail) {
      const p = queue[head++]!;
      const x = p % width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p >= width ? p - width : -1, p + width < mask.length ? p + width : -1];
      for (const q of neighbours) {
        if (q >= 0 && mask[q] !== 0 && labels[q] === 0) {
          labels[q] = label;
          queue[tail++] = q;
        }
      }
    }
    if (tail > bestSize) {
      bestSize = tail;
      best = label;
    }
  }
  if (best === 0) return null;
  const blob = new Uint8Array(width * height);
  for (let p = 0; p < blob.length; p++) if (labels[p] === best) blob[p] = 1;
  return blob;
}

/** Trace the outer boundary of `blob` along pixel corners, inside on the right; corners only. */
function traceBoundary(blob: Uint8Array, width: number, height: number): Array<[number, number]> {
  const first = blob.indexOf(1);
  if (first < 0) return [];
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && blob[y * width + x] === 1;
  const sx = first % width;
  const sy = Math.floor(first / width);
  // The top edge of the first pixel in raster order is on the outer boundary: head east along it.
  let x = sx;
  let y = sy;
  let dx = 1;
  let dy = 0;
  const points: Array<[number, number]> = [[sx, sy]];
  const limit = 4 * (width + 1) * (height + 1);
  for (let step = 0; step < limit; step++) {
    x += dx;
    y += dy;
    if (x === sx && y === sy) break;
    // Pixels ahead of the corner on the right and on the left of the heading.
    const rx = dx - dy;
    const ry = dy + dx;
    const lx = dx + dy;
    const ly = dy - dx;
    const aheadRight = inside(x + (rx > 0 ? 0 : -1), y + (ry > 0 ? 0 : -1));
    const aheadLeft = inside(x + (lx > 0 ? 0 : -1), y + (ly > 0 ? 0 : -1));
    let ndx = dx;
    let ndy = dy;
    if (!aheadRight) {
      // Turn right (also at a diagonal touch: 4-connected blobs do not continue through corners).
      ndx = -dy;
      ndy = dx;
    } else if (aheadLeft) {
      ndx = dy;
      ndy = -dx;
    }
    if (ndx !== dx || ndy !== dy) points.push([x, y]);
    dx = ndx;
    dy = ndy;
  }
  return points;
}

/** Douglas–Peucker on a closed ring: keeps points farther than `tolerance` from the simplified line. */
function simplifyRing(points: ReadonlyArray<[number, number]>, tolerance: number): Array<[number, number]> {
  if (points.length <= 3 || tolerance <= 0) return [...points];
  const keep = new Uint8Array(points.length);
  // Split the ring at the first point and the point farthest from it.
  const [fx, fy] = points[0]!;
  let far = 0;
  let farD = -1;
  points.forEach(([px, py], i) => {
    const d = (px - fx) ** 2 + (py - fy) ** 2;
    if (d > farD) {
      farD = d;
      far = i;
    }
  });
  keep[0] = 1;
  keep[far] = 1;
  const stack: Array<[number, number]> = [
    [0, far],
    [far, points.length],
  ];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const [ax, ay] = points[a]!;
    const [bx, by] = points[b % points.length]!;
    const len = Math.hypot(bx - ax, by - ay);
    let worst = -1;
    let worstD = tolerance;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i]!;
      const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len;
      if (d > worstD) {
        worstD = d;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

/**
 * The outline of the largest blob of `mask` (`width × height`, non-zero = inside) as polygon vertices
 * in pixel-corner coordinates (0..width, 0..height), simplified to within `tolerance` pixels. Empty
 * when the mask is empty.
 *
 * ```ts
 * const square = new Uint8Array(16); // 4×4, a 2×2 blob at (1, 1)
 * for (const p of [5, 6, 9, 10]) square[p] = 255;
 * maskContour(square, 4, 4); // [[1, 1], [3, 1], [3, 3], [1, 3]]
 * ```
 */
export function maskContour(mask: Uint8Array, width: number, height: number, tolerance = 1.5): Array<[number, number]> {
  const blob = largestBlob(mask, width, height);
  if (!blob) return [];
  return simplifyRing(traceBoundary(blob, width, height), tolerance);
}
