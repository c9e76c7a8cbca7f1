/** Every activity the worker registers. Activities do I/O; decisions live in src/policy. */
export { probeJobManagers, resolveCluster } from './cluster';
