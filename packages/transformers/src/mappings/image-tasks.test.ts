import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LabelInterface, validatePrediction, type PredictionValue } from '@lsml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseAllPipelines } from '../runtime.js';
import { LIBRARIES, loadTiny, mappingContext, pngBytes } from '../test-models.test-helper.js';
import { imageClassificationMapping } from './image-classification.js';
import { objectDetectionMapping } from './object-detection.js';

afterAll(() => releaseAllPipelines());

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-images-'));
const images = [
  { file: path.join(dir, 'a.png'), width: 64, height: 48 },
  { file: path.join(dir, 'b.png'), width: 40, height: 90 },
];
for (const [i, img] of images.entries()) {
  fs.writeFileSync(img.file, pngBytes(img.width, img.height, (x, y) => [(x * 7 + i * 80) % 256, (y * 5) % 256, 128]));
}
const dataUri = `data:image/png;base64,${pngBytes(20, 10, () => [250, 10, 10]).toString('base64')}`;

describe.each(LIBRARIES)('image tasks (%s)', (library) => {
  it('image-classification → Choices on an Image, batched over tasks', async () => {
    const ctx = mappingContext(await loadTiny(library, 'image-classification'));
    const li = new LabelInterface(
      '<View><Image name="img" value="$image"/><Choices name="animal" toName="img"><Choice value="Cat" predicted_values="cat"/><Choice value="Dog" predicted_values="dog"/><Choice value="bird"/></Choices></View>',
    );
    const mapping = imageClassificationMapping();
    const target = mapping.prepare(li, ctx);
    const tasks = [...images.map((img, i) => ({ id: i + 1, data: { image: img.file } })), { id: 3, data: { image: dataUri } }];
    const out = (await mapping.predict(target, { tasks, context: null, extraParams: {} }, ctx)) as PredictionValue[];
    expect(out).toHaveLength(3);
    for (const p of out) {
      expect(validatePrediction(li, p)).toEqual({ ok: true, errors: [] });
      expect(['Cat', 'Dog', 'bird']).toContain((p.result[0] as { value: { choices: string[] } }).value.choices[0]);
    }
  });

  it('object-detection → RectangleLabels in percent with the original size', async () => {
    const ctx = mappingContext(await loadTiny(library, 'object-detection'));
    const li = new LabelInterface(
      '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="cat"/><Label value="Dog" predicted_values="dog"/></RectangleLabels></View>',
    );
    const mapping = objectDetectionMapping({ threshold: 0.1 });
    const target = mapping.prepare(li, ctx);
    const tasks = images.map((img, i) => ({ id: i + 1, data: { image: img.file } }));
    const out = (await mapping.predict(target, { tasks, context: null, extraParams: {} }, ctx)) as PredictionValue[];
    let regions = 0;
    for (const [i, p] of out.entries()) {
      expect(validatePrediction(li, p)).toEqual({ ok: true, errors: [] });
      for (const r of p.result as Array<{ original_width: number; original_height: number; value: Record<string, number | string[]> }>) {
        regions++;
        expect(r).toMatchObject({ from_name: 'box', to_name: 'img', type: 'rectanglelabels', original_width: images[i]?.width, original_height: images[i]?.height });
        const { x, y, width, height } = r.value as Record<string, number>;
        for (const v of [x, y, width, height]) expect(v).toBeGreaterThanOrEqual(0);
        expect((x as number) + (width as number)).toBeLessThanOrEqual(100 + 1e-9);
        expect((y as number) + (height as number)).toBeLessThanOrEqual(100 + 1e-9);
        expect(['cat', 'Dog']).toContain((r.value.rectanglelabels as string[])[0]);
      }
    }
    expect(regions).toBeGreaterThan(0);
    // A high threshold from extra_params keeps fewer boxes.
    const strict = (await mapping.predict(target, { tasks, context: null, extraParams: { threshold: 0.999999 } }, ctx)) as PredictionValue[];
    expect(strict.reduce((a, p) => a + p.result.length, 0)).toBeLessThan(regions);
  });
});
