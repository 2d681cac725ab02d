// Image apps in the editor: the photo is served by the editor server (`/images/<file>`), the backend
// reads the same URL (as it would Label Studio's), and the editor is read back once it has drawn the
// image and its regions. Coordinates are compared in ORIGINAL-image pixels.
import { expect } from 'vitest';
import type { EditorPage } from './editor.js';
import type { ResultItem } from './label-studio.js';

/** Wait until the editor has loaded the photo (its natural size known) and serialises `regions` results. */
export async function waitForImage(editor: EditorPage, regions: number): Promise<void> {
  await editor.page.waitForFunction(
    (n) => {
      // The task's photo (not the annotator's avatar, also an <img>).
      const img = Array.from(document.querySelectorAll('img')).find((i) => i.src.includes('/images/'));
      const store = (window as unknown as { Htx?: { annotationStore: { selected?: { serializeAnnotation(): unknown[] } } } }).Htx?.annotationStore;
      return Boolean(img && img.complete && img.naturalWidth > 0 && (store?.selected?.serializeAnnotation().length ?? 0) >= n);
    },
    regions,
    { timeout: 20_000 },
  ).catch(async (err: unknown) => {
    const seen = await editor.page.evaluate(() => {
      const imgs = Array.from(document.querySelectorAll('img')).map((i) => ({ src: i.src, complete: i.complete, w: i.naturalWidth, cls: i.className }));
      const store = (window as unknown as { Htx?: { annotationStore: { selected?: { serializeAnnotation(): unknown[] } } } }).Htx?.annotationStore;
      return { imgs, results: store?.selected?.serializeAnnotation().length ?? null };
    });
    throw new Error(`the editor did not draw the image with ${regions} regions: ${JSON.stringify(seen)} (${(err as Error).message})`);
  });
  await editor.settle();
}

/** A result item's value as numbers (x, y, width, height in percent). */
export function valueOf(item: ResultItem): Record<string, number> {
  return item.value as unknown as Record<string, number>;
}

/** The `[x1, y1, x2, y2]` corners of a rectangle result in original-image pixels. */
export function boxCorners(item: ResultItem & { original_width?: number; original_height?: number }): [number, number, number, number] {
  const v = valueOf(item);
  const W = Number(item.original_width);
  const H = Number(item.original_height);
  expect(W).toBeGreaterThan(0);
  expect(H).toBeGreaterThan(0);
  return [(v.x! / 100) * W, (v.y! / 100) * H, ((v.x! + v.width!) / 100) * W, ((v.y! + v.height!) / 100) * H];
}

/** The `[x, y]` of a keypoint result in original-image pixels. */
export function pointOf(item: ResultItem & { original_width?: number; original_height?: number }): [number, number] {
  const v = valueOf(item);
  return [(v.x! / 100) * Number(item.original_width), (v.y! / 100) * Number(item.original_height)];
}

/** Every number within `tolerance` of its counterpart. */
export function expectWithin(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `${what}[${i}]: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance));
}
