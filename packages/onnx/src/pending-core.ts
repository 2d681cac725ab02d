// TEMPORARY: the shared helpers c1 is moving into @lsml/core (softmax, sigmoid, argmax, groupEntities).
// This file goes away when c1 is merged; imports then come from '@lsml/core'.
export { argmax, isProbabilityRow, sigmoid, softmax } from './pending-math.js';
export { entityTypes } from './pending-entity-types.js';
export { groupEntities, type TokenScores, type EntitySpan, type AggregationStrategy } from './pending-grouping.js';
