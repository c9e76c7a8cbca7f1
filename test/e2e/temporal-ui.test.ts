/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MonitorStatus } from '../../src/policy/monitor-state';
import { pollUntil } from '../../src/util/poll';
import { monitorWorkflowId, statusQuery } from '../../src/workflows/monitor-api';
import { resetSandbox, type Sandbox, sandbox, submitSample, waitForJobState } from '../helpers/sandbox';
import { withWorker } from '../helpers/temporal';

/**
 * What an on-call engineer does in the Temporal Web UI, done by a real browser (Debian's
 * Chromium driven by playwright-core): start the monitor from the Start Workflow form with a
 * small JSON input, then send it forceRestart from the workflow page; the job is restarted.
 */
const ensureChromium = fileURLToPath(new URL('../../scripts/ensure-chromium.sh', import.meta.url));

let sb: Sandbox;
let browser: Browser;

beforeAll(async () => {
  sb = await sandbox();
  process.env.FLINK_RUNBOOKS_CLUSTERS ??= sb.file;
  await resetSandbox(sb);
  const executablePath = execFileSync('bash', [ensureChromium], { encoding: 'utf8' }).trim();
  browser = await chromium.launch({
    executablePath,
    // Chromium's own background traffic would go to the internet: all of it off.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await resetSandbox(sb);
});

/** Svelte buttons of the UI take a DOM click; a synthetic mouse click does not always reach them. */
async function press(page: Page, selector: string) {
  await page.locator(selector).first().waitFor({ state: 'attached' });
  await page.evaluate((s) => (document.querySelector(s) as HTMLElement).click(), selector);
}

async function typeJson(page: Page, editor: ReturnType<Page['locator']>, json: string) {
  await editor.click();
  await page.keyboard.insertText(json);
}

describe('the Temporal Web UI in a real browser', () => {
  it('starts the monitor from the Start Workflow form and restarts the job with a forceRestart signal', async () => {
    const jobId = await submitSample(sb);
    await waitForJobState(sb, jobId, ['RUNNING']);
    const ui = inject('temporalUiUrl');
    const workflowId = monitorWorkflowId(sb.cluster.name, sb.job.name);

    await withWorker(async ({ client, taskQueue }) => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${ui}/namespaces/default/workflows/start-workflow`);
      await page.getByTestId('workflowId').fill(workflowId);
      await page.getByTestId('taskQueue').fill(taskQueue);
      await page.getByTestId('workflowType').fill('monitorJob');
      await typeJson(page, page.locator('.cm-content').last(), JSON.stringify({ cluster: sb.cluster.name }));
      await press(page, '[data-testid=start-workflow-button]');
      await page.getByText('Workflow started successfully').waitFor({ timeout: 15_000 });

      const handle = client.workflow.getHandle(workflowId);
      const status = () => handle.query(statusQuery) as Promise<MonitorStatus>;
      await pollUntil(async () => ((await status()).verdict === 'healthy' ? true : undefined), {
        timeoutMs: 90_000,
        intervalMs: 1_000,
        what: 'the monitor started from the UI seeing a healthy job',
      });
      expect((await status()).jobId).toBe(jobId);

      await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
      await page.getByRole('button', { name: 'More Actions' }).filter({ visible: true }).first().click();
      await page.getByRole('menuitem', { name: 'Send a Signal' }).filter({ visible: true }).first().click();
      const dialog = page.getByTestId('signal-confirmation-modal').filter({ visible: true }).first();
      // The UI asks the worker which signals the workflow defines and offers them in a list.
      await dialog.getByTestId('signal-select-button').click();
      await dialog.getByRole('option', { name: 'forceRestart', exact: true }).click();
      await typeJson(page, dialog.locator('.cm-content'), JSON.stringify({ reason: 'from the Temporal UI' }));
      await dialog.getByTestId('confirm-modal-button').click();

      const restarted = await pollUntil(
        async () => {
          const s = await status();
          return s.restarts.length === 1 && s.phase === 'watching' ? s : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1_000, what: 'the restart the UI asked for' },
      );
      expect(restarted.restarts[0]).toMatchObject({
        trigger: 'forced',
        reason: 'from the Temporal UI',
        outcome: 'restarted',
        fromJobId: jobId,
      });
      // The effect on the sandbox: the old job stopped with a savepoint, the new one runs from it.
      expect(await waitForJobState(sb, jobId, ['FINISHED'])).toBe('FINISHED');
      expect(await waitForJobState(sb, restarted.jobId as string, ['RUNNING'])).toBe('RUNNING');
      await handle.terminate('test done');
      await page.close();
    });
  });
});
