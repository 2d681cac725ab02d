// decodeImage on real files: formats, EXIF orientation, channels, fit modes with the inverse
// transform, and the files that must fail per task (not an image, truncated, decompression bomb).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError, toOriginalPixels } from '../src/media/decode-image.js';
import { readTaskImage } from '../src/heads/image-input.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TRUNCATED_JPEG = path.join(here, 'fixtures', 'bad-images', 'truncated.jpg');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-decode-'));
const file = (name: string) => path.join(dir, name);

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid-looking PNG header declaring width × height (a decompression bomb's header), tiny data. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale
  // One compressed row of zeros: a real bomb would deflate 400 M zero bytes into ~400 kB.
  const idat = zlib.deflateSync(Buffer.alloc(width + 1));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** 40 × 20: left half red, right half blue — orientation and channel order are visible. */
function halves(width = 40, height = 20): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px.set(x < width / 2 ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
  return px;
}
const raw = (width: number, height: number, channels: 1 | 2 | 3 | 4 = 3) => ({ raw: { width, height, channels } });

beforeAll(async () => {
  const base = sharp(halves(), raw(40, 20));
  await base.clone().png().toFile(file('halves.png'));
  await base.clone().jpeg({ quality: 95 }).toFile(file('halves.jpg'));
  await base.clone().webp({ lossless: true }).toFile(file('halves.webp'));
  await base.clone().gif().toFile(file('halves.gif'));
  await base.clone().tiff().toFile(file('halves.tiff'));
  // EXIF orientation 6 (rotate 90° clockwise to display): stored 40 × 20, shown 20 × 40.
  await base.clone().jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file('rotated.jpg'));
  await sharp(Buffer.alloc(30 * 10, 128), raw(30, 10, 1)).png().toFile(file('gray.png'));
  // 16-bit grayscale PNG.
  await sharp(Buffer.alloc(30 * 10, 200), raw(30, 10, 1)).toColourspace('grey16').png().toFile(file('gray16.png'));
  // RGBA: left half opaque red, right half fully transparent (with black under it).
  const rgba = Buffer.alloc(40 * 20 * 4);
  for (let p = 0; p < 800; p++) rgba.set(p % 40 < 20 ? [255, 0, 0, 255] : [0, 0, 0, 0], p * 4);
  await sharp(rgba, raw(40, 20, 4)).png().toFile(file('alpha.png'));
  // Animated GIF: frame 1 green, frame 2 red (the first frame must be decoded).
  const frames = Buffer.concat([Buffer.alloc(10 * 10 * 3).fill(Buffer.from([0, 255, 0])), Buffer.alloc(10 * 10 * 3).fill(Buffer.from([255, 0, 0]))]);
  // sharp writes a multi-page GIF from a tall raw image with pageHeight.
  await sharp(frames, { raw: { width: 10, height: 20, channels: 3, pageHeight: 10 } as never }).gif().toFile(file('animated.gif'));
  fs.writeFileSync(file('not-an-image.png'), 'this is a text file');
  fs.writeFileSync(file('empty.jpg'), '');
  const jpeg = fs.readFileSync(file('halves.jpg'));
  fs.writeFileSync(file('cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  const png = fs.readFileSync(file('halves.png'));
  fs.writeFileSync(file('cut.png'), png.subarray(0, png.length - 30));
  fs.writeFileSync(file('bomb.png'), bombPng(20000, 20000));
});

const pixel = (img: { pixels: Uint8Array; width: number; channels: number }, x: number, y: number) => Array.from(img.pixels.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels));

describe('decodeImage', () => {
  it('reads PNG, JPEG, WebP, GIF and TIFF to the same RGB pixels at the original size', async () => {
    for (const name of ['halves.png', 'halves.jpg', 'halves.webp', 'halves.gif', 'halves.tiff']) {
      const img = await decodeImage(file(name));
      expect([img.width, img.height, img.channels, img.originalWidth, img.originalHeight, img.pixels.length], name).toEqual([40, 20, 3, 40, 20, 2400]);
      const [r, , b] = pixel(img, 5, 10);
      expect(r! > 200 && b! < 60, name).toBe(true);
      expect(pixel(img, 35, 10)[2]! > 200, name).toBe(true);
      expect(img.transform).toEqual({ scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 });
    }
  });

  it('applies EXIF orientation: a 40×20 JPEG tagged orientation 6 is a 20×40 image, red on top', async () => {
    expect((await sharp(file('rotated.jpg')).metadata()).orientation).toBe(6);
    const img = await decodeImage(file('rotated.jpg'));
    expect([img.width, img.height, img.originalWidth, img.originalHeight]).toEqual([20, 40, 20, 40]);
    expect(pixel(img, 10, 5)[0]! > 200).toBe(true);
    expect(pixel(img, 10, 35)[2]! > 200).toBe(true);
    const boxed = await decodeImage(file('rotated.jpg'), { width: 10, height: 10, fit: 'letterbox' });
    expect(boxed.transform).toEqual({ scaleX: 0.25, scaleY: 0.25, offsetX: 2, offsetY: 0 });
  });

  it('gives the channels asked for, whatever the file has (gray, 16-bit, alpha)', async () => {
    const gray3 = await decodeImage(file('gray.png'), { channels: 3 });
    expect([gray3.channels, gray3.pixels.length, ...pixel(gray3, 0, 0)]).toEqual([3, 900, 128, 128, 128]);
    const gray16 = await decodeImage(file('gray16.png'), { channels: 1 });
    expect([gray16.channels, gray16.pixels.length, gray16.pixels[0]]).toEqual([1, 300, 200]);
    const rgb = await decodeImage(file('halves.png'), { channels: 1 });
    expect([rgb.channels, rgb.pixels.length]).toEqual([1, 800]);
    const rgba = await decodeImage(file('halves.png'), { channels: 4 });
    expect(pixel(rgba, 0, 0)).toEqual([255, 0, 0, 255]);
    // Transparent pixels are flattened onto white for RGB and gray, kept with alpha 0 for RGBA.
    const flat = await decodeImage(file('alpha.png'));
    expect([pixel(flat, 0, 0), pixel(flat, 39, 0)]).toEqual([
      [255, 0, 0],
      [255, 255, 255],
    ]);
    const keep = await decodeImage(file('alpha.png'), { channels: 4 });
    expect(pixel(keep, 39, 0)[3]).toBe(0);
    const onBlack = await decodeImage(file('alpha.png'), { channels: 1 }, { background: { r: 0, g: 0, b: 0 } });
    expect(onBlack.pixels[39]).toBe(0);
  });

  it('decodes the first frame of an animated GIF', async () => {
    expect((await sharp(file('animated.gif'), { pages: -1 }).metadata()).pages).toBe(2);
    const img = await decodeImage(file('animated.gif'));
    expect([img.width, img.height]).toEqual([10, 10]);
    expect(pixel(img, 5, 5)[1]! > 200 && pixel(img, 5, 5)[0]! < 60).toBe(true);
  });

  it('fill, contain and letterbox resize as asked; the transform maps model pixels back to the original', async () => {
    const fill = await decodeImage(file('halves.png'), { width: 10, height: 10, fit: 'fill' });
    expect([fill.width, fill.height, fill.transform]).toEqual([10, 10, { scaleX: 0.25, scaleY: 0.5, offsetX: 0, offsetY: 0 }]);
    const contain = await decodeImage(file('halves.png'), { width: 10, height: 10, fit: 'contain' });
    expect([contain.width, contain.height, contain.transform]).toEqual([10, 5, { scaleX: 0.25, scaleY: 0.25, offsetX: 0, offsetY: 0 }]);
    const box = await decodeImage(file('halves.png'), { width: 16, height: 16, fit: 'letterbox' });
    expect([box.width, box.height, box.transform]).toEqual([16, 16, { scaleX: 0.4, scaleY: 0.4, offsetX: 0, offsetY: 4 }]);
    // Padding rows are black; the image's middle row is red then blue.
    expect(pixel(box, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(box, 0, 15)).toEqual([0, 0, 0]);
    expect(pixel(box, 1, 8)[0]! > 200).toBe(true);
    // Model pixel (8, 8) is the original image's centre (20, 10); the corners map to the corners.
    expect(toOriginalPixels(box.transform, 8, 8)).toEqual({ x: 20, y: 10 });
    expect(toOriginalPixels(box.transform, 16, 12)).toEqual({ x: 40, y: 20 });
    // An odd padding splits floor/ceil: 40×20 into 9×9 → 9×5 (rounded 4.5 → 5) with 2 rows on top.
    const odd = await decodeImage(file('halves.png'), { width: 9, height: 9, fit: 'letterbox' });
    expect([odd.height, odd.transform.offsetY, odd.transform.scaleY]).toEqual([9, 2, 5 / 20]);
    const onlyWidth = await decodeImage(file('halves.png'), { width: 20 });
    expect([onlyWidth.width, onlyWidth.height]).toEqual([20, 10]);
  });

  it('refuses what is not an image, truncated files and decompression bombs with a reason', async () => {
    const cases: Array<[string, string]> = [
      ['not-an-image.png', 'not_an_image'],
      ['empty.jpg', 'not_an_image'],
      [TRUNCATED_JPEG, 'truncated'],
      ['cut.jpg', 'truncated'],
      ['cut.png', 'truncated'],
      ['bomb.png', 'too_large'],
    ];
    for (const [name, reason] of cases) {
      const err = await decodeImage(path.isAbsolute(name) ? name : file(name), { width: 8, height: 8 }).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(ImageDecodeError);
      expect(err, name).toMatchObject({ code: 'image_decode', reason, status: 422 });
    }
    // A lower limit refuses ordinary images too; the bomb's pixels are never decoded (fast).
    await expect(decodeImage(file('halves.png'), {}, { maxInputPixels: 100 })).rejects.toMatchObject({ reason: 'too_large' });
  });

  it('a bad ImageInputSpec is the runtime’s fault (not a per-task error)', async () => {
    await expect(decodeImage(file('halves.png'), { width: 0, height: 10 })).rejects.toMatchObject({ code: 'invalid_image_spec' });
    await expect(readTaskImage({ id: 1, data: { image: file('halves.png') } }, 'image', { width: -1 })).rejects.toMatchObject({ code: 'invalid_image_spec' });
  });

  it('readTaskImage turns each bad file into a TaskInputError naming the task and the field', async () => {
    for (const name of ['not-an-image.png', 'cut.jpg', 'bomb.png', 'missing.png']) {
      const err = await readTaskImage({ id: 7, data: { photo: file(name) } }, 'photo', { width: 8, height: 8 }).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: 'task_input', taskId: 7, field: 'photo' });
    }
    const ok = await readTaskImage({ id: 7, data: { photo: file('halves.png') } }, 'photo', { width: 8, height: 8 });
    expect(ok.path).toBe(file('halves.png'));
  });
});
