// Task media: LS credentials, get_local_path, preload_task_data (PROTOCOL.md §6.6, §6.7).
export {
  LabelStudioTokenProvider,
  authHeader,
  decodeJwtClaims,
  isJwtWellFormed,
  isPersonalAccessToken,
  jwtExpiresAt,
  resolveLabelStudioApiKey,
  resolveLabelStudioBaseUrl,
  type AccessTokenSource,
  type JwtClaims,
  type LabelStudioTokenProviderOptions,
  type TokenKind,
} from './access-token.js';
export {
  DEFAULT_DOWNLOAD_TIMEOUT_MS,
  DEFAULT_MAX_DOWNLOAD_BYTES,
  DEFAULT_USER_AGENT,
  cacheFileName,
  encodePresignFileUri,
  getBase64Content,
  getLocalPath,
  type GetBase64ContentOptions,
  type GetLocalPathOptions,
  type MediaFetchOptions,
} from './get-local-path.js';
export { isPreloadNeeded, preloadTaskData, type PreloadTask, type PreloadTaskDataOptions } from './preload-task-data.js';
export { MediaError, isMediaError, type MediaErrorCode, type MediaErrorDetails } from './errors.js';
export { userCacheDir, userDataDir, type MediaLogger } from './util.js';
export {
  DEFAULT_MAX_INPUT_PIXELS,
  ImageDecodeError,
  decodeImage,
  toOriginalPixels,
  type DecodeImageOptions,
  type ImageDecodeReason,
} from './decode-image.js';
