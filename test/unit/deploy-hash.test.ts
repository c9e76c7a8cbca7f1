import { describe, expect, it } from 'vitest';
import type { PlannedContainer } from '../../src/docker/container-plan';
import {
  canonicalJson,
  containerSpecHash,
  deployJobId,
  fnv1a64,
  jobIdParts,
  jobKey,
  jobMatchesSpec,
  jobSpecHash,
  SPEC_HASH_LABEL,
} from '../../src/policy/deploy-hash';

const container: PlannedContainer = {
  name: 'deploy-taskmanager-1',
  role: 'taskmanager',
  image: 'flink-runbooks/flink:1.20.3',
  cmd: ['taskmanager'],
  env: { FLINK_PROPERTIES: 'taskmanager.numberOfTaskSlots: 2' },
  binds: ['/data/ha:/opt/flink/ha'],
  labels: { 'io.flink-runbooks.cluster': 'deploy-sandbox' },
  ports: [],
};

const submission = {
  jarSha256: 'a'.repeat(64),
  entryClass: 'io.flinkrunbooks.sample.SamplePipeline',
  parallelism: 2,
  args: ['--rate', '20'],
};

describe('fnv1a64 and canonicalJson', () => {
  it('is 16 hex digits, deterministic, and tells inputs apart', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325'); // the FNV-1a offset basis
    expect(fnv1a64('flink')).toMatch(/^[0-9a-f]{16}$/);
    expect(fnv1a64('flink')).toBe(fnv1a64('flink'));
    expect(fnv1a64('flink')).not.toBe(fnv1a64('flinl'));
    expect(fnv1a64('é')).not.toBe(fnv1a64('e'));
  });

  it.each([
    [{ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' } }, '{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}'],
    [{ a: undefined, b: null }, '{"b":null}'],
    [['z', 'a'], '["z","a"]'],
  ])('canonicalJson(%j) sorts keys at every level, keeps array order', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('containerSpecHash', () => {
  const base = containerSpecHash(container, 'sha256:1');

  it.each<[string, PlannedContainer, string | undefined, boolean]>([
    ['the same plan and image', { ...container }, 'sha256:1', true],
    [
      'other labels (the hash goes into them)',
      { ...container, labels: { [SPEC_HASH_LABEL]: 'x' } },
      'sha256:1',
      true,
    ],
    [
      'a Flink setting changed',
      { ...container, env: { FLINK_PROPERTIES: 'taskmanager.numberOfTaskSlots: 4' } },
      'sha256:1',
      false,
    ],
    ['another image tag', { ...container, image: 'flink:1.20.3-java17' }, 'sha256:1', false],
    ['the tag rebuilt (new image id)', { ...container }, 'sha256:2', false],
    ['another mount', { ...container, binds: ['/data/other:/opt/flink/ha'] }, 'sha256:1', false],
    ['env keys in another order', { ...container, env: { ...container.env } }, 'sha256:1', true],
  ])('%s → unchanged: %s', (_what, plan, imageId, same) => {
    expect(containerSpecHash(plan, imageId) === base).toBe(same);
  });
});

describe('job ids that carry the job and its spec', () => {
  const key = jobKey('deploy-sandbox', 'sample-pipeline');
  const spec = jobSpecHash(submission);

  it.each([
    ['another jar', { ...submission, jarSha256: 'b'.repeat(64) }],
    ['another entry class', { ...submission, entryClass: 'a.B' }],
    ['another parallelism', { ...submission, parallelism: 4 }],
    ['other args', { ...submission, args: ['--rate', '40'] }],
    ['args in another order', { ...submission, args: ['20', '--rate'] }],
  ])('the submission hash changes with %s', (_what, changed) => {
    expect(jobSpecHash(changed)).not.toBe(spec);
  });

  it('a job key is 8 hex digits, one per cluster and job', () => {
    expect(key).toMatch(/^[0-9a-f]{8}$/);
    expect(jobKey('deploy-sandbox', 'other')).not.toBe(key);
    expect(jobKey('other', 'sample-pipeline')).not.toBe(key);
  });

  it('deployJobId is a Flink job id: key, spec hash, and 8 hex of the uuid', () => {
    const id = deployJobId(key, spec, '3f1c9a2e-7b4d-4e8f-9a1b-2c3d4e5f6a7b');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).toBe(`${key}${spec}3f1c9a2e`);
    expect(jobIdParts(id)).toEqual({ key, specHash: spec, nonce: '3f1c9a2e' });
  });

  it.each([
    ['a job this deploy would make', () => deployJobId(key, spec, 'ffffffff-0000'), true],
    [
      'a job of another spec',
      () => deployJobId(key, jobSpecHash({ ...submission, parallelism: 1 }), 'ffffffff'),
      false,
    ],
    ['a job of another job', () => deployJobId(jobKey('deploy-sandbox', 'x'), spec, 'ffffffff'), false],
    ['a job submitted by hand (random id)', () => '8df739ddb8968174aad87a27bc8e59a3', false],
    ['not a job id', () => 'not-hex', false],
  ])('jobMatchesSpec: %s → %s', (_what, id, expected) => {
    expect(jobMatchesSpec(id(), key, spec)).toBe(expected);
  });

  it('refuses to make an id from parts that are not hex', () => {
    expect(() => deployJobId('xyz', spec, 'ffffffff')).toThrow(/cannot make a job id/);
  });
});
