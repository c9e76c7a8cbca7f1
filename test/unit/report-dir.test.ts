import { describe, expect, it } from 'vitest';
import { confineReportDir, ReportDirRefusedError, reportRoots } from '../../src/trust/report-dir';

const BASE = '/srv/runbooks';

describe('reportRoots: where the worker lets runbooks write and remove reports', () => {
  it.each<[string, string | undefined, string[]]>([
    ['reports/ of the repository by default', undefined, ['/srv/runbooks/reports']],
    [
      'plus the operator’s list',
      '/var/lib/drills, archive',
      ['/srv/runbooks/reports', '/var/lib/drills', '/srv/runbooks/archive'],
    ],
    ['an empty list adds nothing', ' , ', ['/srv/runbooks/reports']],
  ])('%s', (_name, listed, roots) => {
    expect(reportRoots({ FLINK_RUNBOOKS_REPORT_ROOTS: listed }, BASE)).toEqual(roots);
  });
});

describe('confineReportDir: a reportDir from a workflow input', () => {
  const roots = ['/srv/runbooks/reports', '/var/lib/drills'];
  it.each<[string, string | undefined, string | RegExp]>([
    ['left out: the default folder', undefined, '/srv/runbooks/reports'],
    ['relative, under the default', 'reports/monthly', '/srv/runbooks/reports/monthly'],
    ['an allowed root itself', '/var/lib/drills', '/var/lib/drills'],
    ['under an allowed root', '/var/lib/drills/prod', '/var/lib/drills/prod'],
    ['outside every root', '/etc/cron.d', /reportDir "\/etc\/cron.d" is outside the report folders/],
    ['climbing out of a root', '/var/lib/drills/../../../etc', /outside the report folders/],
    ['relative, climbing out', '../elsewhere', /outside the report folders/],
    ['a sibling sharing a prefix', '/var/lib/drills-other', /outside the report folders/],
    ['the repository itself', '.', /outside the report folders/],
  ])('%s', (_name, reportDir, expected) => {
    if (typeof expected === 'string') expect(confineReportDir(reportDir, roots, BASE)).toBe(expected);
    else {
      expect(() => confineReportDir(reportDir, roots, BASE)).toThrow(ReportDirRefusedError);
      expect(() => confineReportDir(reportDir, roots, BASE)).toThrow(expected);
    }
  });
});
