// choicesHead over an <Image>: the task's image is resolved by the media module (a local path, or a
// URL downloaded over real HTTP), decoded by sharp to the runtime's size, and classified.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LsmlError } from '../errors.js';
import type { ImageInput } from '../contract/inputs.js';
import type { ClassesOutput } from '../contract/outputs.js';
import type { Runtime, RunOptions, RuntimeInfo } from '../contract/runtime.js';
import { LabelInterface } from '../label-config/label-interface.js';
import { validatePrediction } from '../label-config/validate-prediction.js';
import { choicesHead } from './choices-head.js';
import { bindWith, predictWith } from './heads.test-helper.js';
import { decodeImageWithSharp } from './image-input.js';

/** Bright vs dark by mean pixel value: a real (tiny) image classifier. */
class BrightnessClassifier implements Runtime<'image', 'classes'> {
  readonly provider = 'brightness';
  readonly modelId = 'brightness';
  readonly input = 'image' as const;
  readonly output = 'classes' as const;
  readonly capabilities = { batching: false as const, shared: true, threads: 'event-loop' as const, trainable: false };
  seen: ImageInput[] = [];
  async load(): Promise<RuntimeInfo> {
    return { labels: ['bright', 'dark'], image: { width: 8, height: 8, fit: 'letterbox', channels: 3 } };
  }
  async run(inputs: readonly ImageInput[], options?: RunOptions): Promise<ClassesOutput[]> {
    options?.signal?.throwIfAborted();
    return inputs.map((img) => {
      if (img?.kind !== 'image') throw new LsmlError('invalid_input', 'not an image', { status: 400 });
      this.seen.push(img);
      let sum = 0;
      for (const v of img.pixels) sum += v;
      const mean = sum / img.pixels.length / 255;
      return { kind: 'classes', classes: [{ label: 'bright', score: mean }, { label: 'dark', score: 1 - mean }] };
    });
  }
  async dispose(): Promise<void> {}
}

const CONFIG = '<View><Image name="photo" value="$image"/><Choices name="light" toName="photo"><Choice value="bright"/><Choice value="dark"/></Choices></View>';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-img-'));
const white = path.join(dir, 'white.png');
const black = path.join(dir, 'black.png');
let server: http.Server;
let base = '';

beforeAll(async () => {
  // 40×20 white and black images: letterboxed to 8×8, they keep a 2:1 aspect ratio with black bars.
  await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toFile(white);
  await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toFile(black);
  fs.writeFileSync(path.join(dir, 'broken.png'), 'not a png');
  server = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(req.url ?? ''));
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/png' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('choicesHead over <Image>', () => {
  it('decodes the image to the runtime size (letterboxed) and predicts a valid choice', async () => {
    const runtime = new BrightnessClassifier();
    const head = choicesHead({ media: { cacheDir: path.join(dir, 'cache'), env: {} } });
    const [p, q] = (await predictWith(head, runtime, CONFIG, [
      { id: 1, data: { image: white } },
      { id: 2, data: { image: `${base}/black.png` } },
    ])) as Array<{ score: number; result: Array<{ value: { choices: string[] } }> }>;
    expect(p!.result[0]!.value.choices).toEqual(['bright']);
    expect(q!.result[0]!.value.choices).toEqual(['dark']);
    expect(validatePrediction(new LabelInterface(CONFIG), p!).ok).toBe(true);
    const img = runtime.seen[0]!;
    expect([img.width, img.height, img.channels, img.originalWidth, img.originalHeight]).toEqual([8, 8, 3, 40, 20]);
    expect(img.transform).toEqual({ scaleX: 0.2, scaleY: 0.2, offsetX: 0, offsetY: 2 });
    // Top rows are padding (black), middle rows the white image.
    expect(img.pixels[0]).toBe(0);
    expect(img.pixels[4 * 8 * 3]).toBe(255);
  });

  it('a task whose image is missing, unreachable or broken is a TaskInputError naming the field', async () => {
    const bound = await bindWith(choicesHead({ media: { cacheDir: path.join(dir, 'cache'), env: {} } }), new BrightnessClassifier(), CONFIG);
    const req = { context: null, extraParams: {}, logger: undefined as never };
    for (const data of [{}, { image: `${base}/missing.png` }, { image: path.join(dir, 'broken.png') }]) {
      const err = await Promise.resolve(bound.toInput({ id: 5, data }, req)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'task_input', field: 'image', taskId: 5 });
    }
  });

  it('the text head does not bind to an Image-only config for a text runtime, and vice versa', async () => {
    const err = await bindWith(choicesHead(), new BrightnessClassifier(), '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="bright"/></Choices></View>').catch((e: unknown) => e);
    expect((err as Error).message).toBe('This model needs a <Choices> or <Taxonomy> over a <Image>; the label config has <Choices name="c" toName="t"> only');
  });

  it('zero-shot image runtimes get the config labels with the image', async () => {
    class ZeroShot extends BrightnessClassifier {
      override async load(): Promise<RuntimeInfo> {
        return { candidateLabels: true, image: { width: 4, height: 4 } };
      }
    }
    const bound = await bindWith(choicesHead(), new ZeroShot(), CONFIG);
    const input = (await bound.toInput({ id: 1, data: { image: white } }, { context: null, extraParams: {}, logger: undefined as never })) as ImageInput;
    expect([input.kind, input.width, input.candidateLabels]).toEqual(['image', 4, ['bright', 'dark']]);
  });

  it('fill and contain resize as asked', async () => {
    const fill = await decodeImageWithSharp(white, { width: 10, height: 10, fit: 'fill', channels: 1 });
    expect([fill.width, fill.height, fill.channels, fill.transform.scaleX, fill.transform.scaleY]).toEqual([10, 10, 1, 0.25, 0.5]);
    const contain = await decodeImageWithSharp(white, { width: 10, height: 10, fit: 'contain' });
    expect([contain.width, contain.height, contain.transform.scaleX]).toEqual([10, 5, 0.25]);
    const original = await decodeImageWithSharp(white, {});
    expect([original.width, original.height, original.pixels.length]).toEqual([40, 20, 40 * 20 * 3]);
  });
});
