// Bind a head to a config with a real runtime and predict tasks the way backend() does.
import pino from 'pino';
import type { HeadRequest, TaskHead } from '../contract/head.js';
import type { InputKind } from '../contract/inputs.js';
import type { OutputKind } from '../contract/outputs.js';
import type { Runtime } from '../contract/runtime.js';
import { LabelInterface } from '../label-config/label-interface.js';
import type { PredictionValue, Task } from '../protocol/types.js';

export const silent = pino({ level: 'silent' });

export async function bindWith<K extends InputKind, O extends OutputKind>(head: TaskHead<K, O>, runtime: Runtime<K, O>, config: string | undefined) {
  const info = await runtime.load();
  return head.bind({
    labelInterface: config === undefined ? undefined : new LabelInterface(config),
    runtime: { ...info, provider: runtime.provider, modelId: runtime.modelId, input: runtime.input },
    logger: silent,
  });
}

export async function predictWith<K extends InputKind, O extends OutputKind>(
  head: TaskHead<K, O>,
  runtime: Runtime<K, O>,
  config: string,
  tasks: Task[],
  request: Partial<HeadRequest> = {},
): Promise<Array<PredictionValue | PredictionValue[] | null>> {
  const bound = await bindWith(head, runtime, config);
  const req: HeadRequest = { context: null, extraParams: {}, logger: silent, ...request };
  const inputs = await Promise.all(tasks.map((t) => bound.toInput(t, req)));
  const outputs = await runtime.run(inputs, { params: req.extraParams });
  return outputs.map((o, i) => bound.toPrediction(o, inputs[i]!, tasks[i]!, req));
}
