/**
 * An inline cluster spec nobody runs: nothing listens on these loopback ports, so its
 * JobManagers and ZooKeeper read as down. For runbooks' behaviour when a cluster does not answer.
 */
export const unreachableCluster = {
  zookeeper: { quorum: '127.0.0.1:1', clusterId: '/nowhere' },
  ha: { storageDir: 'file:///tmp/ha' },
  jobManagers: [
    { role: 'primary', url: 'http://127.0.0.1:9', container: 'jm-a' },
    { role: 'standby', url: 'http://127.0.0.1:7', container: 'jm-b' },
  ],
  taskManagers: { containers: [{ container: 'tm-1' }] },
  jobs: [
    {
      name: 'job',
      jar: '/tmp/job.jar',
      entryClass: 'a.B',
      savepointDir: 'file:///tmp/sp',
      checkpointDir: 'file:///tmp/cp',
    },
  ],
};

/**
 * What a worker's operator sets to let workflows bring `unreachableCluster` inline: inline specs
 * on, and its host paths (under /tmp) allowed. Tests running the worker in-process apply it to
 * process.env; the worker reads it when it resolves each spec.
 */
export const inlineSpecsAllowed = {
  FLINK_RUNBOOKS_ALLOW_INLINE_SPECS: 'true',
  FLINK_RUNBOOKS_INLINE_PATHS: '/tmp',
};
