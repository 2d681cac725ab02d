import { encodeModel } from '../../../scripts/onnx/onnx-writer.ts';
import ort from 'onnxruntime-node';
for (const [F, H] of [[16384, 256], [16384, 512], [32768, 256], [32768, 512]]) {
  const C = 3;
  const r = () => Math.random() - 0.5;
  const bytes = encodeModel({ graph: { name: 'g', nodes: [
    { op: 'MatMul', inputs: ['x', 'W1'], outputs: ['a'] }, { op: 'Add', inputs: ['a', 'b1'], outputs: ['b'] }, { op: 'Relu', inputs: ['b'], outputs: ['h'] },
    { op: 'MatMul', inputs: ['h', 'W2'], outputs: ['c'] }, { op: 'Add', inputs: ['c', 'b2'], outputs: ['logits'] }, { op: 'Softmax', inputs: ['logits'], outputs: ['p'], attributes: { axis: { i: -1 } } }],
    inputs: [{ name: 'x', type: 'float32', shape: ['batch', F] }], outputs: [{ name: 'p', type: 'float32', shape: ['batch', C] }],
    initializers: [{ name: 'W1', type: 'float32', dims: [F, H], data: Float32Array.from({ length: F * H }, r) }, { name: 'b1', type: 'float32', dims: [H], data: new Float32Array(H) },
      { name: 'W2', type: 'float32', dims: [H, C], data: Float32Array.from({ length: H * C }, r) }, { name: 'b2', type: 'float32', dims: [C], data: new Float32Array(C) }] } });
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const time = async (b: number, n: number) => {
    const x = new ort.Tensor('float32', Float32Array.from({ length: b * F }, r), [b, F]);
    for (let i = 0; i < 20; i++) await s.run({ x });
    const t = performance.now();
    for (let i = 0; i < n; i++) await s.run({ x });
    return (performance.now() - t) / n;
  };
  const one = await time(1, 500), b32 = await time(32, 100), b64 = await time(64, 50);
  console.log(`F=${F} H=${H} (${(F*H*4/1e6).toFixed(1)} MB): b1 ${one.toFixed(3)} ms, b32 ${b32.toFixed(3)} ms (${(b32/32).toFixed(3)}/item, ${(one*32/b32).toFixed(1)}x), b64 ${b64.toFixed(3)} ms`);
}
