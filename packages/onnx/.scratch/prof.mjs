import { tsImport } from 'tsx/esm/api';
import { hashedBagOfWords, float32Rows, float32Tensor, loadOnnxModel } from '@lsml/onnx';
const { encodeModel } = await tsImport('/work/main/scripts/onnx/onnx-writer.ts', import.meta.url);
const F = 32768, H = 512, C = 3;
const r = () => Math.random() - 0.5;
const bytes = encodeModel({ graph: { name: 'g', nodes: [
  { op: 'MatMul', inputs: ['features', 'W1'], outputs: ['a'] }, { op: 'Add', inputs: ['a', 'b1'], outputs: ['b'] }, { op: 'Relu', inputs: ['b'], outputs: ['h'] },
  { op: 'MatMul', inputs: ['h', 'W2'], outputs: ['c'] }, { op: 'Add', inputs: ['c', 'b2'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['p'], attributes: { axis: { i: -1 } } }],
  inputs: [{ name: 'features', type: 'float32', shape: ['batch', F] }], outputs: [{ name: 'p', type: 'float32', shape: ['batch', C] }],
  initializers: [{ name: 'W1', type: 'float32', dims: [F, H], data: Float32Array.from({ length: F * H }, r) }, { name: 'b1', type: 'float32', dims: [H], data: new Float32Array(H) },
    { name: 'W2', type: 'float32', dims: [H, C], data: Float32Array.from({ length: H * C }, r) }, { name: 'b2', type: 'float32', dims: [C], data: new Float32Array(C) }] } });
const model = await loadOnnxModel(bytes, { intraOpNumThreads: 1, batching: { maxBatchSize: 64 } });
const texts = Array.from({ length: 64 }, (_, i) => `good great love the product was okay refund broken item ${i}`);
const t = (label, fn, n = 20) => { const s = performance.now(); for (let i = 0; i < n; i++) fn(); console.log(label, ((performance.now() - s) / n).toFixed(3), 'ms'); };
t('featurize 64', () => texts.map((x) => hashedBagOfWords(x, F)));
const rows = texts.map((x) => hashedBagOfWords(x, F));
t('float32Rows 64', () => float32Rows(rows));
const items = rows.map((x) => ({ features: float32Tensor(x, [1, F]) }));
const feeds = { features: float32Rows(rows) };
for (let i = 0; i < 3; i++) await model.run(feeds);
let s = performance.now(); for (let i = 0; i < 20; i++) await model.run(feeds); console.log('run 64', ((performance.now() - s) / 20).toFixed(3));
s = performance.now(); for (let i = 0; i < 20; i++) await model.predictMany(items); console.log('predictMany 64', ((performance.now() - s) / 20).toFixed(3));
s = performance.now(); for (let i = 0; i < 20; i++) await model.run(feeds); console.log('run 64', ((performance.now() - s) / 20).toFixed(3));
s = performance.now(); for (let i = 0; i < 20; i++) await model.run({ features: float32Rows(texts.map((x) => hashedBagOfWords(x, F))) }); console.log('featurize+run 64', ((performance.now() - s) / 20).toFixed(3));
