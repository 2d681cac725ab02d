// Normalised runtime outputs: what every adapter returns, whatever its framework, so that one task head
// turns them into Label Studio regions for all of them. One output per input, in order.

/** A class name with its probability in [0, 1]. */
export interface ScoredLabel {
  readonly label: string;
  readonly score: number;
}

/**
 * Class scores (text or image classification, zero-shot). One entry per model class (any order);
 * `multiLabel` says whether scores are independent (sigmoid) rather than one distribution (softmax).
 */
export interface ClassesOutput {
  readonly kind: 'classes';
  readonly classes: readonly ScoredLabel[];
  readonly multiLabel?: boolean;
}

/** A labelled character span of the input text. Offsets are UTF-16 code units of `TextInput.text`. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly score: number;
}

/** Entities / tagged spans (NER, token classification). */
export interface SpansOutput {
  readonly kind: 'spans';
  readonly spans: readonly Span[];
}

/** An axis-aligned box in the pixel coordinates of the `ImageInput` the runtime was given. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly label: string;
  readonly score: number;
}

/** Object detection. */
export interface BoxesOutput {
  readonly kind: 'boxes';
  readonly boxes: readonly Box[];
}

/** One named keypoint, in `ImageInput` pixels. */
export interface Keypoint {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  readonly score: number;
}

/** One detected instance (a person) with its keypoints and, optionally, its box. */
export interface KeypointInstance {
  readonly score: number;
  readonly points: readonly Keypoint[];
  readonly box?: Box;
}

/** Pose / landmark estimation. */
export interface KeypointsOutput {
  readonly kind: 'keypoints';
  readonly instances: readonly KeypointInstance[];
}

/** A per-pixel mask in `ImageInput` pixels: `data[y * width + x]` in 0..255 (≥ 128 is inside). */
export interface Mask {
  readonly label: string;
  readonly score: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Segmentation. */
export interface MasksOutput {
  readonly kind: 'masks';
  readonly masks: readonly Mask[];
}

/** Where a recognised text sits, in the pixel coordinates of the `ImageInput` the runtime was given. */
export interface TextBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One generated text (a completion, OCR text) with an optional score in [0, 1]. */
export interface GeneratedText {
  readonly text: string;
  readonly score?: number;
  /** OCR: where this text (a line or a word) was read, in `ImageInput` pixels. */
  readonly box?: TextBox;
}

/** Generation (and any runtime whose answer is text). */
export interface TextOutput {
  readonly kind: 'text';
  readonly texts: readonly GeneratedText[];
}

/** Every output kind a runtime can produce. Add kinds here as tasks need them. */
export type RuntimeOutput = ClassesOutput | SpansOutput | BoxesOutput | KeypointsOutput | MasksOutput | TextOutput;
/** `'classes' | 'spans' | 'boxes' | 'keypoints' | 'masks' | 'text'`. */
export type OutputKind = RuntimeOutput['kind'];
/** The output type of one kind: `OutputOf<'classes'>` is `ClassesOutput`. */
export type OutputOf<K extends OutputKind> = Extract<RuntimeOutput, { kind: K }>;
