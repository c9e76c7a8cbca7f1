import type { DockerEndpoint } from '../config/docker-endpoint';
import type { DeployObservation, PrecheckProblem } from './deploy-plan';

/**
 * Pure: the deploy precheck's look at every Docker engine the cluster's nodes run on. Each engine
 * must answer, and each node's image must be on that node's own engine (the deploy creates the
 * container there; there is no pull on the way). An engine is named by its endpoint as the spec
 * writes it, never by its TLS files.
 */

/** What the precheck asks about one node: its container, its image, and its plan's own engine. */
export interface EngineNode {
  container: string;
  image: string;
  docker?: DockerEndpoint;
}

/** One engine as the precheck found it, with the id of each of its nodes' images there. */
export interface EngineLook {
  /** The endpoint (`unix://…`, `tcp://host:port`, `ssh://user@host`) or WORKER_ENGINE. */
  engine: string;
  reachable: boolean;
  version?: string;
  error?: string;
  /** No id: the image is absent on this engine, or the engine did not answer. */
  nodes: Array<{ container: string; image: string; id?: string }>;
}

export const WORKER_ENGINE = "the worker's own engine";

/** How a problem names an engine: its endpoint's host, or the worker's own. */
export function engineName(endpoint: DockerEndpoint | undefined): string {
  return endpoint ? endpoint.host : WORKER_ENGINE;
}

/** The nodes to ask about, from the planned containers. */
export function engineNodes(
  containers: ReadonlyArray<{ name: string; image: string; docker?: DockerEndpoint }>,
): EngineNode[] {
  return containers.map((c) => ({
    container: c.name,
    image: c.image,
    ...(c.docker ? { docker: c.docker } : {}),
  }));
}

const list = (names: string[]) => names.join(', ');

/**
 * Every engine that does not answer (check `docker`) and every image missing on a node's own
 * engine (check `images`), each naming the engine and its nodes. A planned container no look
 * mentions was not asked about, which fails too.
 */
export function engineProblems(
  containers: ReadonlyArray<{ name: string; image: string }>,
  looks: EngineLook[],
): PrecheckProblem[] {
  const problems: PrecheckProblem[] = [];
  for (const look of looks) {
    if (!look.reachable) {
      problems.push({
        check: 'docker',
        message: `Docker engine ${look.engine} does not answer (nodes ${list(look.nodes.map((n) => n.container))}): ${look.error ?? 'no reason given'}`,
      });
      continue;
    }
    const missing = new Map<string, string[]>();
    for (const node of look.nodes)
      if (!node.id) missing.set(node.image, [...(missing.get(node.image) ?? []), node.container]);
    for (const [image, nodes] of missing)
      problems.push({
        check: 'images',
        message: `image ${image} is not present on Docker engine ${look.engine}, where ${list(nodes)} ${nodes.length === 1 ? 'runs' : 'run'} (build or pull it there first)`,
      });
  }
  const asked = new Set(looks.flatMap((look) => look.nodes.map((n) => n.container)));
  for (const c of containers)
    if (!asked.has(c.name))
      problems.push({
        check: 'images',
        message: `container ${c.name}: no Docker engine was asked for its image ${c.image}`,
      });
  return problems;
}

/**
 * The engines as the observation's single `engine` field: reachable when every one answers, the
 * versions and the first failure named by engine.
 */
export function enginesAsOne(looks: EngineLook[]): DeployObservation['engine'] {
  const down = looks.find((look) => !look.reachable);
  if (down) return { reachable: false, error: `${down.engine}: ${down.error ?? 'no reason given'}` };
  return { reachable: true, version: [...new Set(looks.map((look) => look.version ?? '?'))].join(', ') };
}

/** Each node's image id on its own engine, for the containers' spec hashes. */
export function nodeImages(looks: EngineLook[]): DeployObservation['images'] {
  return looks.flatMap((look) =>
    look.nodes.map((n) => ({ image: n.image, container: n.container, ...(n.id ? { id: n.id } : {}) })),
  );
}

/** One line for the precheck's summary: each engine's version and how many nodes it runs. */
export function enginesSummary(looks: EngineLook[]): string {
  if (looks.length === 1 && looks[0]?.engine === WORKER_ENGINE) return `Docker ${looks[0].version}`;
  return looks
    .map((look) => {
      const n = look.nodes.length;
      return `Docker ${look.version} on ${look.engine} (${n} node${n === 1 ? '' : 's'})`;
    })
    .join(', ');
}
