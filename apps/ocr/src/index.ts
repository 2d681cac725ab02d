// The runtime and head of this app, for reuse (tests, bench, other apps).
export { ocrRuntime, installedLanguages, defaultLangPath, type OcrRuntime, type OcrRuntimeSettings, type OcrLevel } from './ocr-runtime.js';
export { ocrHead, decodeForOcr, contextRectangle, type OcrHeadOptions } from './ocr-head.js';
