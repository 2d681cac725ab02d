export * from '../../core/src/batching/index.js';
