/** Every workflow the worker registers; each file reads like the runbook it replaces. */
export { clusterStatus } from './cluster-status';
export { dailyCheck } from './daily-check';
export { deploy } from './deploy';
export { failoverDrill } from './drill';
export { housekeeping } from './housekeeping';
export { monitorJob } from './monitor';
export { takeSavepoint } from './savepoint';
export { upgrade } from './upgrade';
