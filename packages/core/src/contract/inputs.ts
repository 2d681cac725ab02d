// What a task head hands a runtime: one value per task, of the kind the runtime declares.

/** Text for classification, span tagging, or generation. */
export interface TextInput {
  readonly kind: 'text';
  /** The task's text (from the object tag's `$field`). */
  readonly text: string;
  /**
   * For generation: the prompt to complete (the head builds it from the text, a prompt template or the
   * interactive context). Runtimes that classify ignore it.
   */
  readonly prompt?: string;
  /**
   * For zero-shot runtimes (`RuntimeInfo.candidateLabels`): the label config's labels, so the model
   * scores exactly those.
   */
  readonly candidateLabels?: readonly string[];
}

/**
 * Maps model-input pixel coordinates back to the original image:
 * `xOriginal = (xModel - offsetX) / scaleX`, `yOriginal = (yModel - offsetY) / scaleY`.
 */
export interface ImageTransform {
  readonly scaleX: number;
  readonly scaleY: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

/** A decoded image, already resized (or letterboxed) to what the runtime asked for. */
export interface ImageInput {
  readonly kind: 'image';
  /** Interleaved 8-bit pixels, row-major, `width * height * channels` bytes. */
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  /** Size of the original image (EXIF orientation applied), in pixels. */
  readonly originalWidth: number;
  readonly originalHeight: number;
  /** Model pixels → original pixels. */
  readonly transform: ImageTransform;
  /**
   * Local path of the original file (as resolved by the media module), for runtimes that read files
   * themselves (e.g. OCR engines).
   */
  readonly path?: string;
  /**
   * For zero-shot runtimes (`RuntimeInfo.candidateLabels`, e.g. CLIP): the label config's labels, so
   * the model scores exactly those.
   */
  readonly candidateLabels?: readonly string[];
}

/** Every input kind a head can produce. */
export type RuntimeInput = TextInput | ImageInput;
/** `'text' | 'image'`. */
export type InputKind = RuntimeInput['kind'];
/** The input type of one kind: `InputOf<'text'>` is `TextInput`. */
export type InputOf<K extends InputKind> = Extract<RuntimeInput, { kind: K }>;

/** How a runtime wants images: size and fit. Heads and the media module produce exactly this. */
export interface ImageInputSpec {
  /** Target size in pixels; omit both to keep the original size. */
  readonly width?: number;
  readonly height?: number;
  /** `fill` stretches, `letterbox` keeps the aspect ratio and pads, `contain` keeps it without padding. */
  readonly fit?: 'fill' | 'letterbox' | 'contain';
  readonly channels?: 1 | 3 | 4;
}
