/**
 * Prints one line per failed test from vitest's JSON reports (.data/test-results*.json), so the
 * end of a long CI log names every failure, not only the last one's stack.
 * Usage: npx tsx scripts/failed-tests.ts [report]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface Assertion {
  fullName: string;
  status: string;
  failureMessages?: string[];
}
interface Report {
  numFailedTests: number;
  numTotalTests: number;
  testResults: { name: string; status: string; message?: string; assertionResults: Assertion[] }[];
}

// `npm test` runs vitest in stages, each with its report: .data/test-results*.json.
const files = process.argv[2]
  ? [process.argv[2]]
  : existsSync('.data')
    ? readdirSync('.data')
        .filter((name) => /^test-results.*\.json$/.test(name))
        .sort()
        .map((name) => join('.data', name))
    : [];
if (files.length === 0) {
  console.log('no test report in .data: the tests did not get as far as vitest');
  process.exit(0);
}
const firstLine = (text = '') => (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 400);
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  console.log(`${file}: failed tests: ${report.numFailedTests} of ${report.numTotalTests}`);
  for (const suite of report.testResults) {
    const where = relative(process.cwd(), suite.name);
    const failed = suite.assertionResults.filter((a) => a.status === 'failed');
    // A file can fail outside any test (a hook, an import): vitest puts that in the suite's message.
    if (failed.length === 0 && suite.status === 'failed')
      console.log(`- ${where}: ${firstLine(suite.message)}`);
    for (const a of failed) console.log(`- ${where} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
  }
}
