/** Every workflow the worker registers; each file reads like the runbook it replaces. */
export { clusterStatus } from './cluster-status';
export { monitorJob } from './monitor';
