// Runs in core's worker threads (createThreadPool): loads a TF.js graph model once per thread and turns
// decoded pixels into a contract output, so that inference (≈1 s for CenterNet on the wasm backend)
// never holds the server's event loop. Every tensor lives inside tf.tidy: nothing leaks per call.
import * as tf from '@tensorflow/tfjs';
import { readModelArtifacts } from './file-io.js';
import { decodeCenternet, decodeMovenet, decodeSelfie, TFJS_IMAGE_FAMILIES, type TfjsImageFamily } from './image-models.js';
import { initTfjs, type TfjsBackendChoice } from './platform.js';
import type { BoxesOutput, KeypointsOutput, MasksOutput } from '@lsml/core';

/** One image for `infer`. */
export interface ImageTask {
  readonly family: TfjsImageFamily;
  /** Absolute path of the model.json. */
  readonly modelJson: string;
  readonly backend: TfjsBackendChoice | undefined;
  readonly labels: readonly string[];
  /** Interleaved RGB bytes, `width × height × 3`. */
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly minScore: number;
}

const models = new Map<string, Promise<tf.GraphModel>>();

/** Load (once per thread) the model of `task`; resolves with the thread's backend name. */
export async function load(task: Pick<ImageTask, 'modelJson' | 'backend'>): Promise<string> {
  await model(task);
  return tf.getBackend();
}

function model(task: Pick<ImageTask, 'modelJson' | 'backend'>): Promise<tf.GraphModel> {
  let loading = models.get(task.modelJson);
  if (!loading) {
    loading = (async () => {
      await initTfjs({ backend: task.backend });
      const artifacts = await readModelArtifacts(task.modelJson);
      return tf.loadGraphModel({ load: async () => artifacts });
    })();
    loading.catch(() => models.delete(task.modelJson)); // a failed load may be retried
    models.set(task.modelJson, loading);
  }
  return loading;
}

/** Run one image through the model and decode its output. */
export async function infer(task: ImageTask): Promise<BoxesOutput | KeypointsOutput | MasksOutput> {
  const graph = await model(task);
  const spec = TFJS_IMAGE_FAMILIES[task.family];
  const { width, height } = task;
  const raw = tf.tidy(() => {
    let x: tf.Tensor = tf.tensor4d(task.pixels, [1, height, width, 3], 'int32');
    if (spec.dtype === 'float32') x = spec.scale === 1 ? x.toFloat() : x.toFloat().mul(spec.scale);
    const out = graph.execute(x, spec.outputNode) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
  switch (task.family) {
    case 'centernet':
      return decodeCenternet(raw, width, height, { minScore: task.minScore, labels: task.labels });
    case 'movenet':
      return decodeMovenet(raw, width, height, task.labels);
    case 'selfie': {
      const [, h, w] = graph.outputs[0]?.shape ?? [];
      return decodeSelfie(raw, typeof w === 'number' && w > 0 ? w : width, typeof h === 'number' && h > 0 ? h : height, task.labels[0]);
    }
  }
}

/** Tensors alive in this thread (the leak check of the tests and the bench). */
export function tensors(): number {
  return tf.memory().numTensors;
}
