import type { QueryDefinition, WorkflowHandle } from '@temporalio/client';
import type { CliContext } from './context';

/**
 * Waits for a runbook's result while printing each new progress line from its query, so a long
 * deploy or upgrade shows what it is doing (on stderr, so --json output stays clean).
 */
export async function follow<R, P>(
  ctx: CliContext,
  handle: WorkflowHandle,
  query: QueryDefinition<P>,
  describe: (progress: P) => string | undefined,
): Promise<R> {
  let last: string | undefined;
  let done = false;
  const result = handle.result().finally(() => {
    done = true;
  }) as Promise<R>;
  while (!done) {
    const line = await handle
      .query(query)
      .then(describe)
      .catch(() => undefined);
    if (line && line !== last) ctx.progress(`  ${line}`);
    last = line ?? last;
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
  }
  return result;
}
