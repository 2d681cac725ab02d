import { describe, expect, it } from 'vitest';
import { expectedFiles, isLocalModel, onnxFileName } from './model-files.js';
import { testModel } from './test-models.test-helper.js';

describe('model files', () => {
  it('names ONNX files the way each library loads them', () => {
    expect(onnxFileName('text-generation', 4, 'fp32')).toBe('onnx/model.onnx');
    expect(onnxFileName('text-classification', 3, 'q8')).toBe('onnx/model_quantized.onnx');
    expect(onnxFileName('text-classification', 4, 'q4f16')).toBe('onnx/model_q4f16.onnx');
    expect(onnxFileName('text-generation', 2, 'q8')).toBe('onnx/decoder_model_merged_quantized.onnx');
    expect(onnxFileName('token-classification', 2, 'fp32')).toBe('onnx/model.onnx');
    expect(() => onnxFileName('token-classification', 2, 'fp16')).toThrow(/only loads fp32 or q8/);
  });

  it('lists tokenizer files for text tasks and the preprocessor for images', () => {
    expect(expectedFiles('text-generation', 4, 'fp32')).toEqual({
      required: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
      optional: ['generation_config.json'],
    });
    expect(expectedFiles('object-detection', 2, 'q8').required).toEqual(['config.json', 'preprocessor_config.json', 'onnx/model_quantized.onnx']);
  });

  it('tells folders from hub ids', () => {
    for (const hub of ['Xenova/gpt2', 'gpt2', 'Xenova/bert-base-NER']) expect(isLocalModel(hub)).toBe(false);
    for (const local of ['/models/gpt2', './gpt2', '../models/gpt2', 'file:///models/gpt2', 'models/org/name', testModel('tiny-gpt2')]) {
      expect(isLocalModel(local)).toBe(true);
    }
  });
});
