import { createServer } from 'node:net';
import { ServiceError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, TemporalUnreachableError, UsageError } from '../../src/cli/exit-codes';
import { connectToTemporal } from '../../src/cli/temporal-client';
import {
  ClustersFileUnreadableError,
  InvalidClusterSpecError,
  UnknownClusterError,
  UnknownJobError,
} from '../../src/config/errors';
import type { TemporalSettings } from '../../src/temporal/connection';
import { InlineSpecRefusedError, UntrustedSpecError } from '../../src/trust/errors';
import { ReportDirRefusedError } from '../../src/trust/report-dir';

/** A gRPC error as @grpc/grpc-js makes it: a code, details and metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

describe('the CLI exit code comes from the type of the error', () => {
  it.each([
    ['a usage error', new UsageError('--cluster is required')],
    ['an invalid spec', new InvalidClusterSpecError('clusters.yaml', [{ path: 'x', message: 'bad' }])],
    ['an unknown cluster', new UnknownClusterError('nope', ['a'], 'clusters.yaml')],
    ['an unknown job', new UnknownJobError('nope', 'a', ['j'])],
    ['an unreadable clusters file', new ClustersFileUnreadableError('cannot read clusters.yaml')],
    ['a refused inline spec', new InlineSpecRefusedError('c', 'clusters.yaml')],
    ['an untrusted spec', new UntrustedSpecError('c', [{ path: 'x', message: 'bad' }])],
    ['a refused report folder', new ReportDirRefusedError('/etc', ['/tmp'])],
  ])('%s is bad input: 2', (_what, error) => {
    expect(exitCodeFor(error)).toBe(EXIT.usage);
  });

  it.each([
    [
      'a connect that failed',
      new ServiceError('Failed to connect to Temporal server', {
        cause: new Error('Failed to connect before the deadline'),
      }),
    ],
    [
      'a connect the CLI gave up on',
      new TemporalUnreachableError('Temporal at 127.0.0.1:1 cannot be reached'),
    ],
    ['a call answered UNAVAILABLE', grpcError(14, 'No connection established')],
    ['a call past its deadline', grpcError(4, 'Deadline exceeded')],
    ['a service error wrapping UNAVAILABLE', new ServiceError('failed', { cause: grpcError(14, 'down') })],
  ])('%s means Temporal is unreachable: 3', (_what, error) => {
    expect(exitCodeFor(error)).toBe(EXIT.unreachable);
  });

  it.each([
    [
      'a failed runbook',
      new WorkflowFailedError(
        'workflow failed',
        ApplicationFailure.create({}),
        RetryState.NON_RETRYABLE_FAILURE,
      ),
    ],
    ['a service error the server answered', new ServiceError('failed', { cause: grpcError(5, 'not found') })],
    ['a service error without a cause', new ServiceError('unsupported')],
    [
      'an error whose text reads like a connection problem',
      new Error('connect ECONNREFUSED: transport deadline'),
    ],
    ['an error merely named like a usage error', Object.assign(new Error('x'), { name: 'UsageError' })],
    ['a thrown string', 'boom'],
  ])('%s is a failure: 1', (_what, error) => {
    expect(exitCodeFor(error)).toBe(EXIT.failed);
  });

  it('a Temporal address where nothing listens is unreachable: 3', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const settings: TemporalSettings = {
      address: `127.0.0.1:${closed}`,
      namespace: 'default',
      taskQueue: 'q',
    };
    const failure = await connectToTemporal(settings, '1s').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TemporalUnreachableError);
    expect(exitCodeFor(failure)).toBe(EXIT.unreachable);
  });
});
