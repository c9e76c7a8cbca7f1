import { SEARCH_ATTRIBUTES } from '../shared';
import type { Alert } from './types';

export const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';

/** The Temporal Web UI base URL: TEMPORAL_UI_URL, else the dev server's UI on 127.0.0.1:8233. */
export function temporalUiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.TEMPORAL_UI_URL || DEFAULT_TEMPORAL_UI_URL).replace(/\/+$/, '');
}

/**
 * Where a person clicks to see what the runbook did: the run's history when the alert names a
 * run, the workflow's runs when it names only a workflow id, else the cluster's runbooks.
 */
export function workflowUrl(baseUrl: string, alert: Pick<Alert, 'workflow' | 'cluster'>): string | undefined {
  const ref = alert.workflow;
  if (!ref) return undefined;
  const base = `${baseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ref.namespace)}/workflows`;
  if (ref.workflowId && ref.runId) {
    return `${base}/${encodeURIComponent(ref.workflowId)}/${encodeURIComponent(ref.runId)}/history`;
  }
  const query = ref.workflowId
    ? `WorkflowId="${ref.workflowId}"`
    : `${SEARCH_ATTRIBUTES.cluster}="${alert.cluster}"`;
  return `${base}?query=${encodeURIComponent(query)}`;
}
