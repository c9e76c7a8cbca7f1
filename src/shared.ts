import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Names shared by the worker, the clients and the workflows. */
export const DEFAULT_TASK_QUEUE = 'flink-runbooks';

/** Keyword search attributes the runbooks keep current, so the Temporal UI list filters by them. */
export const SEARCH_ATTRIBUTES = {
  cluster: 'FlinkCluster',
  job: 'FlinkJob',
  runbook: 'Runbook',
  health: 'JobHealth',
} as const;

export const SEARCH_ATTRIBUTE_NAMES = Object.values(SEARCH_ATTRIBUTES);

export const SA = {
  cluster: defineSearchAttributeKey(SEARCH_ATTRIBUTES.cluster, SearchAttributeType.KEYWORD),
  job: defineSearchAttributeKey(SEARCH_ATTRIBUTES.job, SearchAttributeType.KEYWORD),
  runbook: defineSearchAttributeKey(SEARCH_ATTRIBUTES.runbook, SearchAttributeType.KEYWORD),
  health: defineSearchAttributeKey(SEARCH_ATTRIBUTES.health, SearchAttributeType.KEYWORD),
};
