import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorForStatus, NON_RETRYABLE_FLINK_ERRORS, RETRYABLE_FLINK_ERRORS } from '../../src/flink/errors';

describe('errorForStatus', () => {
  it.each([
    [503, 'FlinkNoLeader', true],
    [500, 'FlinkServerError', true],
    [502, 'FlinkServerError', true],
    [400, 'FlinkBadRequest', false],
    [404, 'FlinkNotFound', false],
    [401, 'FlinkUnauthorized', false],
    [403, 'FlinkUnauthorized', false],
    [409, 'FlinkRequestRejected', false],
  ])('%d is %s (retryable: %s)', (status, name, retryable) => {
    const error = errorForStatus(status, 'http://127.0.0.1:8081/jobs/x', undefined);
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
    expect((RETRYABLE_FLINK_ERRORS as readonly string[]).includes(name)).toBe(retryable);
    expect((NON_RETRYABLE_FLINK_ERRORS as readonly string[]).includes(name)).toBe(!retryable);
  });

  it("quotes the first line of Flink's error body", () => {
    const body = { errors: ['org.apache.flink.runtime.rest.NotFoundException: Job abc not found\n\tat ...'] };
    const error = errorForStatus(404, 'http://127.0.0.1:8081/jobs/abc', body);
    expect(error.message).toBe(
      '404 from http://127.0.0.1:8081/jobs/abc: org.apache.flink.runtime.rest.NotFoundException: Job abc not found',
    );
  });
});

// Bodies recorded from the sandbox (Flink 1.20.3) with curl; see test/fixtures/flink-1.20/README.md.
const recorded = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/flink-1.20/${name}`, import.meta.url), 'utf8')) as unknown;

describe('errors as Flink 1.20 really answers them', () => {
  it('GET /jobs/<unknown> is a 404 naming the job', () => {
    const error = errorForStatus(404, 'http://127.0.0.1:8081/jobs/0000', recorded('job-unknown.404.json'));
    expect(error.name).toBe('FlinkNotFound');
    expect(error.message).toContain('Could not find Flink job (00000000000000000000000000000000)');
  });

  it('POST /jars/<unknown>/run answers 500, yet is a non-retryable not-found naming the jar', () => {
    const error = errorForStatus(
      500,
      'http://127.0.0.1:8081/jars/nope.jar/run',
      recorded('jar-unknown-run.500.json'),
    );
    expect(error.name).toBe('FlinkNotFound');
    expect(error.message).toMatch(/RestHandlerException: Jar file .*nope\.jar does not exist$/);
  });

  it('a 500 without a recognised cause stays retryable', () => {
    const error = errorForStatus(500, 'http://127.0.0.1:8081/jobs', { errors: ['Internal server error.'] });
    expect(error.name).toBe('FlinkServerError');
  });
});
