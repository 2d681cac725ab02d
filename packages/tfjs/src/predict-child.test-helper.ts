// Fresh-process half of the save/load tests: load a saved classifier and print its predictions.
// Usage: node --import tsx predict-child.test-helper.ts <backend|auto> <modelDir> <texts.json>
import { readFileSync } from 'node:fs';
import { getTfjsRuntime, initTfjs, parseBackendChoice } from './runtime.js';
import { TextClassifier } from './text-classifier.js';

const [backend = 'auto', dir = '', textsFile = ''] = process.argv.slice(2);
await initTfjs({ backend: parseBackendChoice(backend, 'argv') });
const classifier = await TextClassifier.load(dir);
const texts = JSON.parse(readFileSync(textsFile, 'utf8')) as string[];
const predictions = await classifier.predict(texts);
process.stdout.write(JSON.stringify({ backend: getTfjsRuntime()?.backend, predictions }));
