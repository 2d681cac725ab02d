// Task heads: one per family of Label Studio controls, for every runtime of the output kind they take.
export { choicesHead, type ChoicesHeadOptions } from './choices-head.js';
export { spansHead, type SpansHeadOptions } from './spans-head.js';
export { textareaHead, fillTemplate, contextPrompt, buildPrompt, type TextareaHeadOptions } from './textarea-head.js';
export { findHeadTarget, tagList, numberParam, booleanParam, clampScore, type HeadTarget } from './head-targets.js';
export { readTaskImage, decodeImageWithSharp, type ImageDecoder, type ReadTaskImageOptions } from './image-input.js';
export { rectanglesHead, boxToOriginal, type RectanglesHeadOptions } from './rectangles-head.js';
export { keypointsHead, type KeypointsHeadOptions } from './keypoints-head.js';
export { brushHead, maskToOriginal, type BrushHeadOptions } from './brush-head.js';
export { maskContour } from './mask-contour.js';
export { type ImageHeadMediaOptions } from './image-regions.js';
