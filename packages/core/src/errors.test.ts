// Core's error classes share one base: a stable `code`, the HTTP `status` the server answers, their
// own `name`, and brand checks that work across copies of @lsml/core.
import { describe, expect, it } from 'vitest';
import { BatcherClosedError, QueueFullError } from './batching/micro-batcher.js';
import { CliError } from './cli/load-backend.js';
import { LabelConfigMismatchError, LsmlError, TaskInputError } from './errors.js';
import { LabelConfigError } from './label-config/errors.js';
import { LabelStudioApiError } from './label-studio/label-studio-client.js';
import { MediaError, isMediaError } from './media/errors.js';
import { OverloadedError } from './server/admission.js';
import { HttpError } from './server/http-errors.js';
import { JobCanceledError, JobClaimLostError } from './training/training-job.js';

describe('core errors extend LsmlError', () => {
  const cases: Array<[Error, string, string, number]> = [
    [new HttpError(404, 'Not Found'), 'HttpError', 'http_error', 404],
    [new OverloadedError(2), 'OverloadedError', 'overloaded', 503],
    [new JobCanceledError(), 'JobCanceledError', 'job_canceled', 409],
    [new JobClaimLostError(), 'JobClaimLostError', 'job_claim_lost', 409],
    [new LabelConfigError('syntax', 'bad xml'), 'LabelStudioXMLSyntaxErrorSentryIgnored', 'label_config_syntax', 422],
    [new LabelConfigError('value', 'no tags'), 'ValueError', 'label_config_value', 422],
    [new LabelConfigError('limit', 'too big'), 'LabelStudioXMLSyntaxErrorSentryIgnored', 'label_config_limit', 422],
    [new MediaError('PATH_ESCAPE', 'escape'), 'MediaError', 'PATH_ESCAPE', 422],
    [new MediaError('HTTP_ERROR', 'HTTP 404', { status: 404 }), 'MediaError', 'HTTP_ERROR', 404],
    [new MediaError('NETWORK_ERROR', 'reset'), 'MediaError', 'NETWORK_ERROR', 502],
    [new CliError('Invalid port: x'), 'CliError', 'cli', 400],
    [new LabelStudioApiError('answered 404', 404), 'LabelStudioApiError', 'label_studio_api', 404],
    [new LabelStudioApiError('no token'), 'LabelStudioApiError', 'label_studio_api', 502],
    [new QueueFullError(8), 'QueueFullError', 'queue_full', 503],
    [new BatcherClosedError(), 'BatcherClosedError', 'batcher_closed', 503],
    [new LabelConfigMismatchError('Choices "x" needs Text'), 'LabelConfigMismatchError', 'label_config_mismatch', 422],
    [new TaskInputError('no text', { taskId: 1, field: 'text' }), 'TaskInputError', 'task_input', 422],
  ];
  for (const [err, name, code, status] of cases) {
    it(`${name} (${code}) → ${status}`, () => {
      expect(err).toBeInstanceOf(LsmlError);
      expect(err).toBeInstanceOf(Error);
      expect(LsmlError.is(err)).toBe(true);
      expect(err.name).toBe(name);
      expect((err as LsmlError).code).toBe(code);
      expect((err as LsmlError).status).toBe(status);
      expect(String(err)).toBe(`${name}: ${err.message}`);
    });
  }

  it('keeps the existing brand checks and fields', () => {
    expect(LabelConfigError.isLabelConfigError(new LabelConfigError('syntax', 'x'))).toBe(true);
    expect(LabelConfigError.isLabelConfigError(new LsmlError('label_config_syntax', 'x'))).toBe(false);
    const media = new MediaError('HTTP_ERROR', 'HTTP 401', { status: 401, url: 'http://ls/x' });
    expect(isMediaError(media)).toBe(true);
    expect(isMediaError(media, 'HTTP_ERROR')).toBe(true);
    expect(isMediaError(media, 'TIMEOUT')).toBe(false);
    expect(isMediaError(new HttpError(401, 'x'))).toBe(false);
    expect([media.upstreamStatus, media.url]).toEqual([401, 'http://ls/x']);
    expect(new LabelStudioApiError('no token').upstreamStatus).toBeUndefined();
    expect(new OverloadedError(3).retryAfterSeconds).toBe(3);
    expect(new QueueFullError(8).maxQueueSize).toBe(8);
    const http = new HttpError(422, 'Unprocessable', [{ field: 'schema', message: 'bad' }], { 'Retry-After': '1' });
    expect([http.errors, http.headers]).toEqual([[{ field: 'schema', message: 'bad' }], { 'Retry-After': '1' }]);
  });

  it('a brand check sees an error from another copy of @lsml/core (a plain object with the brand)', () => {
    // What the CJS copy's error looks like to the ESM copy: not instanceof, but branded.
    const foreign = Object.assign(new Error('from the other copy'), { name: 'MediaError', code: 'TIMEOUT' });
    Object.defineProperty(foreign, Symbol.for('lsml.LsmlError'), { value: true });
    expect(foreign instanceof MediaError).toBe(false);
    expect(isMediaError(foreign, 'TIMEOUT')).toBe(true);
  });
});
