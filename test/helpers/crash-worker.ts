/**
 * A FAKE FAULT for the crash tests: the real runbook worker (src/worker.ts's createWorker, the
 * same activities and interceptors) plus one activity interceptor that kills this process with
 * SIGKILL at the next kill point of the runbook under test it has not tried yet.
 *
 * Kill points, one per activity type the runbook calls:
 * - `after`: the activity did its work but the worker dies before reporting it, so the retry
 *   must find the work done (a job submitted, a savepoint triggered, a container started);
 * - `during`: a long wait (`waitFor…`, `watch…`, `observe…`) dies half-way and must resume;
 * - `before`: the activity dies before it starts (used for alerts, which cannot be taken back);
 * - `beside`: an activity in flight beside the one killed dies with it; a sibling that finished
 *   meanwhile is held unreported and dies with it too (`after`). Short activities already tried
 *   finish first, so none of them loses two attempts to kills: one fault at a time, not a crash
 *   loop. A long wait beside (a guard that the job does not fail meanwhile) is not waited for and
 *   may die twice; waits allow three to five attempts.
 *
 * The plan (which workflow, which modes, which call of each type) is a JSON file the test rewrites
 * between runbooks; every kill is appended to a log file before the process dies, so the next
 * worker moves on, and every call to a second log, so that the next worker counts calls on.
 *
 * Environment: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, WORKFLOW_BUNDLE, CRASH_PLAN, CRASH_LOG.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Context } from '@temporalio/activity';
import {
  type ActivityExecuteInput,
  type ActivityInboundCallsInterceptor,
  DefaultLogger,
  NativeConnection,
  type Next,
  Runtime,
} from '@temporalio/worker';
import { createWorker } from '../../src/worker';
import {
  type CrashPlan,
  callNumber,
  type KillMode,
  type KillRecord,
  LONG_WAIT,
  readCalls,
  readKills,
} from './crash-plan';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`crash-worker needs ${name}`);
  return value;
}

/** The runbook's activities in this process: activity id → its type, and whether its work is done. */
const running = new Map<string, { type: string; done: boolean; round: string }>();
/** The activity this worker will die at, once chosen: one kill point at a time. */
let designated: { id: string; round: string } | undefined;
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const forever = () => new Promise<never>(() => undefined);

class KillAtNextPoint implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    const planFile = env('CRASH_PLAN');
    const logFile = env('CRASH_LOG');
    const plan = existsSync(planFile) ? (JSON.parse(readFileSync(planFile, 'utf8')) as CrashPlan) : undefined;
    const { activityType, activityId, workflowExecution, attempt } = this.ctx.info;
    const workflowId = workflowExecution?.workflowId ?? '';
    if (!plan || plan.workflowId !== workflowId) return next(input);

    const modeOf = (type: string): KillMode =>
      plan.modes?.[type] ?? (LONG_WAIT.test(type) ? 'during' : 'after');
    const tried = (type: string) =>
      readKills(logFile).some((k) => k.round === plan.round && k.activityType === type);
    /** Not yet a kill point, and not an alert: it may die beside the chosen one. */
    const killable = (type: string) => !tried(type) && modeOf(type) !== 'before';
    const die = async (how: KillMode): Promise<never> => {
      // Short siblings already tried (or alerts) finish first: none loses two attempts to kills.
      const giveUpAt = Date.now() + 300_000;
      // Only this round's activities: a long watch of an earlier round's runbook may still run here.
      const siblings = () => [...running].filter(([id, a]) => id !== activityId && a.round === plan.round);
      // A long wait beside it (a guard that the job does not fail meanwhile) is not waited for: it
      // may last minutes, and holding this result that long would change what the runbook sees.
      const blocking = () =>
        siblings().some(([, a]) => !a.done && !killable(a.type) && !LONG_WAIT.test(a.type)) &&
        Date.now() < giveUpAt;
      while (blocking()) await settle();
      const at = Date.now();
      const record = (type: string, mode: KillMode): KillRecord => ({
        workflowId,
        round: plan.round,
        activityType: type,
        mode,
        attempt,
        at,
      });
      const besides = siblings().map(([, a]) => record(a.type, a.done ? 'after' : 'beside'));
      const lines = [record(activityType, how), ...besides].map((r) => `${JSON.stringify(r)}\n`);
      appendFileSync(logFile, lines.join(''));
      process.kill(process.pid, 'SIGKILL');
      return forever();
    };

    // Count this call (retries of an activity keep its number), then: is it this type's kill point?
    const callLog = `${logFile}.calls`;
    const calls = readCalls(callLog);
    if (!calls.some((c) => c.round === plan.round && c.activityId === activityId))
      appendFileSync(callLog, `${JSON.stringify({ round: plan.round, activityType, activityId })}\n`);
    const reached = callNumber(readCalls(callLog), plan.round, activityType, activityId) >= (plan.nth ?? 1);
    const chosen = designated === undefined && !tried(activityType) && reached;
    if (chosen) designated = { id: activityId, round: plan.round };
    // Dies before doing anything: the retry on the next worker is the only delivery.
    if (chosen && modeOf(activityType) === 'before') await die('before');

    const self = { type: activityType, done: false, round: plan.round };
    running.set(activityId, self);
    const work = next(input).then(
      (result) => {
        self.done = true;
        return result;
      },
      (error) => {
        running.delete(activityId);
        if (chosen) designated = undefined; // reported as usual; the kill point stays for the retry
        throw error;
      },
    );
    if (!chosen) {
      const result = await work;
      // A sibling of the chosen one, done but not yet a kill point: it is held unreported and
      // dies with the chosen one, a kill after its work too (the precheck's parallel looks).
      if (designated?.round === plan.round && killable(activityType)) return forever();
      running.delete(activityId);
      return result;
    }
    if (modeOf(activityType) === 'during') {
      await Promise.race([work.catch(() => undefined), new Promise((r) => setTimeout(r, plan.duringMs))]);
      if (!self.done && running.has(activityId)) await die('during');
    }
    await work;
    running.delete(activityId);
    // Done, but never reported: the server times the attempt out and another worker retries it.
    return die('after');
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
  const worker = await createWorker({
    connection,
    taskQueue: env('TEMPORAL_TASK_QUEUE'),
    workflowBundle: { codePath: env('WORKFLOW_BUNDLE') },
    moreActivityInterceptors: [(ctx) => ({ inbound: new KillAtNextPoint(ctx) })],
  });
  console.log('worker polling (crash-worker)');
  await worker.run();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
