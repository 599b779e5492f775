/**
 * A node:test reporter that prints one closing line, `N passed, N failed`
 * (plus `, N skipped` when any were skipped). It runs beside the spec reporter.
 *
 * It counts tests, not the suites that group them, with one exception: a
 * failure that belongs to no test still counts as one failure, so the line
 * can never read "0 failed" when the run failed. node:test reports those as
 * `test:fail` events of their own (tests/summary-reporter.test.ts covers each):
 * - a suite whose `before`/`after` hook threw (`failureType: 'hookFailed'`);
 * - a file whose top-level `after` hook threw, that threw while loading, or
 *   that exited with an error (an event named after the file, with no
 *   `details.type`, like a test's).
 * A suite that failed only because its tests failed (`'subtestsFailed'`)
 * adds nothing: those tests are counted already.
 */
export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const suite = event.data.details?.type === 'suite';
    if (event.data.skip || event.data.todo) {
      if (!suite) skipped += 1;
    } else if (event.type === 'test:pass') {
      if (!suite) passed += 1;
    } else if (!suite || event.data.details?.error?.failureType !== 'subtestsFailed') {
      failed += 1;
    }
  }
  yield `\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`;
}
