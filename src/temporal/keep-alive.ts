import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';

type Heartbeat = (details?: unknown) => void;

/**
 * Heartbeats for every activity that has a heartbeat timeout, while it runs, so that a worker
 * killed in the middle of any activity (a jar upload, a cancel, a container start, not only the
 * long waits) is noticed within that timeout and the activity retried on another worker, instead
 * of after its start-to-close timeout of minutes.
 *
 * An activity that heartbeats itself keeps its details: the keep-alive re-sends the last details
 * the activity gave (a drill's milestones), never empty ones that would erase them.
 */
export class KeepAlive implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    const timeoutMs = this.ctx.info.heartbeatTimeoutMs;
    if (!timeoutMs) return next(input);
    const send: Heartbeat = this.ctx.heartbeat;
    let details: unknown = this.ctx.info.heartbeatDetails;
    let lastSentAt = 0;
    (this.ctx as { heartbeat: Heartbeat }).heartbeat = (given) => {
      details = given;
      lastSentAt = Date.now();
      send(given);
    };
    const everyMs = Math.max(500, Math.floor(timeoutMs / 4));
    const timer = setInterval(() => {
      if (Date.now() - lastSentAt >= everyMs) send(details);
    }, everyMs);
    try {
      return await next(input);
    } finally {
      clearInterval(timer);
    }
  }
}
