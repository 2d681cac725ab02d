import { encodeModel } from '/work/main/scripts/onnx/onnx-writer.ts';
import ort from 'onnxruntime-node';
const W = new Float32Array([1,2,3,4,5,6]); // [3,2]
const bytes = encodeModel({ graph: { name: 'g', nodes: [
  { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] },
  { op: 'Add', inputs: ['h', 'b'], outputs: ['logits'] },
  { op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attributes: { axis: { i: -1 } } },
  { op: 'Cast', inputs: ['logits'], outputs: ['li'], attributes: { to: { i: 7 } } },
  { op: 'Constant', inputs: [], outputs: ['c'], attributes: { value: { t: { name: 'cv', type: 'float32', dims: [2], data: new Float32Array([0.5, -1]) } } } },
  { op: 'Add', inputs: ['logits', 'c'], outputs: ['lc'] },
], inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }],
outputs: [{ name: 'probs', type: 'float32', shape: ['batch', 2] }, { name: 'li', type: 'int64', shape: ['batch', 2] }, { name: 'lc', type: 'float32', shape: ['batch', 2] }],
initializers: [{ name: 'W', type: 'float32', dims: [3, 2], data: W }, { name: 'b', type: 'float32', dims: [2], data: new Float32Array([0.1, -0.1]) }] }, metadata: { labels: 'a,b' } });
const s = await ort.InferenceSession.create(bytes);
console.log(s.inputMetadata, s.outputMetadata);
const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 0, 1, 0, 1, 0]), [2, 3]) });
console.log(out.probs.data, out.li.data, out.lc.data);
