import { stat } from 'node:fs/promises';
import {
  type DockerEndpoint,
  endpointKey,
  nodePlacements,
  type PlacedCluster,
} from '../config/docker-endpoint';
import { clustersFilePath, loadClustersFile } from '../config/load';
import type { Placement } from './engines';

/**
 * Where the worker's containers run, by name: the nodes of the worker's clusters file (container
 * names are unique across it), then those of inline specs this worker let through its trust
 * boundary. A name neither knows runs on the worker's own engine, as every container did before
 * nodes could name an engine.
 */

type Placed = Map<string, DockerEndpoint | undefined>;

export function placedNodes(clusters: PlacedCluster[]): Placed {
  return new Map(
    clusters.flatMap((spec) => nodePlacements(spec).map((n) => [n.container, n.docker] as const)),
  );
}

/** The placement of the clusters `load` returns, read again when `version` changes. */
export function placementFrom(
  load: () => Promise<PlacedCluster[]>,
  version: () => Promise<string | undefined>,
): Placement & { remember(cluster: PlacedCluster): void } {
  const inline: Placed = new Map();
  let cached: { version: string | undefined; placed: Placed } | undefined;
  const fromFile = async (): Promise<Placed> => {
    const now = await version().catch(() => undefined);
    if (cached && cached.version === now) return cached.placed;
    try {
      cached = { version: now, placed: placedNodes(await load()) };
    } catch {
      // An unreadable or broken file places nothing new; the last good reading stands.
      cached = { version: now, placed: cached?.placed ?? new Map() };
    }
    return cached.placed;
  };
  return {
    async endpointOf(container) {
      const file = await fromFile();
      return file.has(container) ? file.get(container) : inline.get(container);
    },
    async endpoints() {
      const all = [...(await fromFile()).values(), ...inline.values()].filter(
        (e): e is DockerEndpoint => e !== undefined,
      );
      const seen = new Map(all.map((e) => [JSON.stringify([endpointKey(e.host), e.tls ?? null]), e]));
      return [...seen.values()];
    },
    /** An inline spec's nodes, after the trust boundary let it through; the clusters file's names keep theirs. */
    remember(cluster) {
      for (const node of nodePlacements(cluster)) inline.set(node.container, node.docker);
    },
  };
}

/** The worker's placement: its clusters file (FLINK_RUNBOOKS_CLUSTERS), re-read when it changes. */
export const workerPlacement = placementFrom(
  async () => Object.values((await loadClustersFile(clustersFilePath())).clusters),
  async () => {
    const seen = await stat(clustersFilePath());
    return `${seen.mtimeMs}:${seen.size}`;
  },
);
