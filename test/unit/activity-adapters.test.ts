import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as registered from '../../src/activities';
import { type Adapters, standardAdapters } from '../../src/activities/adapters';
import { createActivities } from '../../src/activities/create';
import type { FlinkRestClient } from '../../src/flink/client';
import type { FlinkClusterClient } from '../../src/flink/cluster-client';
import { FlinkNotFoundError } from '../../src/flink/errors';

/**
 * Activities get Flink, Docker and the sources handed in (src/activities/adapters.ts): here they
 * run on fakes, with no cluster and no Docker engine.
 */
const JOB = 'aaaaaaaaaaaaaaaaaaaaaaaa00000001';
const SRC = join(import.meta.dirname, '../../src');
const ACTIVITIES = join(SRC, 'activities');

type Answers = Partial<Record<keyof FlinkRestClient, (...args: never[]) => unknown>>;

/** A Flink adapter whose every client answers from `answers`, recording how each was made. */
function fakeFlink(answers: Answers) {
  const made: unknown[][] = [];
  const client = new Proxy(
    {},
    {
      get:
        (_, method: string) =>
        async (...args: never[]) => {
          const answer = answers[method as keyof FlinkRestClient];
          if (!answer) throw new Error(`unexpected REST call ${method}`);
          return answer(...args);
        },
    },
  ) as FlinkRestClient;
  const flink: Adapters['flink'] = {
    jobManager: (...args) => {
      made.push(['jobManager', ...args]);
      return client;
    },
    cluster: (...args) => {
      made.push(['cluster', ...args]);
      return { call: (use: (c: FlinkRestClient) => unknown) => use(client) } as unknown as FlinkClusterClient;
    },
  };
  return { flink, made };
}

const unexpectedDocker = new Proxy({} as Adapters['docker'], {
  get: (_, name: string) => () => {
    throw new Error(`unexpected Docker call ${name}`);
  },
});

function activitiesOn(over: Partial<Adapters>) {
  return createActivities({ ...standardAdapters, docker: unexpectedDocker, ...over });
}

describe('createActivities', () => {
  it('makes exactly the activities the worker registers', () => {
    expect(Object.keys(createActivities(standardAdapters)).sort()).toEqual(Object.keys(registered).sort());
  });

  it("reads a job's state through the Flink adapter handed in, with the cluster's URLs and access", async () => {
    const { flink, made } = fakeFlink({ job: async () => ({ jid: JOB, state: 'RUNNING' }) });
    const access = { basicAuth: { username: 'flink', password: { fromEnv: 'FLINK_PASSWORD' } } };
    const { getJobState } = activitiesOn({ flink });
    expect(await getJobState({ urls: ['http://jm-a', 'http://jm-b'], access, jobId: JOB })).toBe('RUNNING');
    expect(made).toEqual([['cluster', ['http://jm-a', 'http://jm-b'], 5_000, access]]);
  });

  it('tells a job the cluster does not know from one it does', async () => {
    const { flink } = fakeFlink({
      job: async () => {
        throw new FlinkNotFoundError('404 from http://jm-a', 'http://jm-a', 404);
      },
    });
    expect(await activitiesOn({ flink }).getJobState({ urls: ['http://jm-a'], jobId: JOB })).toBe('MISSING');
  });

  it('finds the newest live job of a name', async () => {
    const { flink } = fakeFlink({
      jobsOverview: async () => [
        { jid: 'old', name: 'pipeline', state: 'CANCELED', 'start-time': 3 },
        { jid: 'live', name: 'pipeline', state: 'RUNNING', 'start-time': 2 },
        { jid: 'other', name: 'audit', state: 'RUNNING', 'start-time': 4 },
      ],
    });
    const { findJobId } = activitiesOn({ flink });
    expect(await findJobId({ urls: ['http://jm-a'], jobName: 'pipeline' })).toBe('live');
  });

  it("asks each JobManager for its own HA settings, one JobManager's timeout each", async () => {
    const { flink, made } = fakeFlink({
      jobManagerConfig: async () => [{ key: 'high-availability.type', value: 'zookeeper' }],
    });
    const jobManagers = ['http://jm-a', 'http://jm-b'].map((url, i) => ({
      role: i === 0 ? ('primary' as const) : ('standby' as const),
      url,
      container: `jm-${i}`,
      config: {},
    }));
    await activitiesOn({ flink }).checkHaSettings({ jobManagers });
    expect(made).toEqual([
      ['jobManager', 'http://jm-a', 3_000, undefined],
      ['jobManager', 'http://jm-b', 3_000, undefined],
    ]);
  });

  it('reads who leads through the ZooKeeper adapter handed in', async () => {
    const asked: unknown[] = [];
    const report = { restLeader: { url: 'http://jm-b', sessionId: 's' }, consistent: true, observedAt: 1 };
    const zookeeper = {
      ...standardAdapters.zookeeper,
      leaders: async (input: unknown) => {
        asked.push(input);
        return report;
      },
    };
    const input = { zookeeper: { quorum: '127.0.0.1:1', root: '/flink', clusterId: '/x' }, jobManagers: [] };
    expect(await activitiesOn({ zookeeper }).readLeader(input as never)).toBe(report);
    expect(asked).toEqual([input]);
  });

  it('restarts a container through the Docker adapter handed in: stop, then start', async () => {
    const calls: unknown[][] = [];
    const docker = {
      ...unexpectedDocker,
      stopContainer: async (...args: unknown[]) => {
        calls.push(['stop', ...args]);
        return 'stopped' as const;
      },
      startContainer: async (...args: unknown[]) => {
        calls.push(['start', ...args]);
        return 'started' as const;
      },
    } as Adapters['docker'];
    expect(await activitiesOn({ docker }).restartContainer({ container: 'jm-a', timeoutSeconds: 5 })).toBe(
      'started',
    );
    expect(calls).toEqual([
      ['stop', 'jm-a', 5],
      ['start', 'jm-a'],
    ]);
  });

  it("lists a container's output with find run through the Docker adapter", async () => {
    const ran: unknown[][] = [];
    const docker = {
      ...unexpectedDocker,
      execInContainer: async (...args: unknown[]) => {
        ran.push(args);
        return { exitCode: 0, stdout: `${Date.now() / 1000} 12 /out/part-0-0.csv\n`, stderr: '' };
      },
    } as Adapters['docker'];
    const output = { path: '/out', container: 'tm-1', pattern: '*.csv', freshness: 60_000 };
    const seen = await activitiesOn({ docker }).observeOutput({ output: output as never });
    expect(ran[0]?.[0]).toBe('tm-1');
    expect(seen.committedInWindow).toBe(1);
  });
});

/** The imports of each activity module, with the names each imports at run time. */
function imports(): Array<{ file: string; from: string; names: string[] }> {
  return readdirSync(ACTIVITIES)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((file) => {
      const source = ts.createSourceFile(
        file,
        readFileSync(join(ACTIVITIES, file), 'utf8'),
        ts.ScriptTarget.Latest,
      );
      return source.statements.filter(ts.isImportDeclaration).map((declaration) => {
        const bindings = declaration.importClause?.namedBindings;
        const names =
          declaration.importClause?.isTypeOnly || !bindings
            ? []
            : ts.isNamedImports(bindings)
              ? bindings.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text)
              : ['*'];
        return { file, from: (declaration.moduleSpecifier as ts.StringLiteral).text, names };
      });
    });
}

describe('activity modules', () => {
  it('never import workflow code', () => {
    expect(imports().filter((i) => i.from.includes('/workflows'))).toEqual([]);
  });

  it("never call another module's activity as a helper (only create.ts and index.ts assemble them)", () => {
    const activityNames = new Set(Object.keys(registered));
    const helpers = imports()
      .filter((i) => i.from.startsWith('./') && i.file !== 'create.ts' && i.file !== 'index.ts')
      .flatMap((i) =>
        i.names.filter((n) => activityNames.has(n)).map((n) => `${i.file}: ${n} from ${i.from}`),
      );
    expect(helpers).toEqual([]);
  });

  it('build no REST, Docker, ZooKeeper or database client of their own: the adapters hand them in', () => {
    const own = readdirSync(ACTIVITIES)
      .filter((f) => f.endsWith('.ts') && f !== 'adapters.ts')
      .flatMap((file) => {
        const code = readFileSync(join(ACTIVITIES, file), 'utf8');
        return [
          /new Flink(Rest|Cluster)Client\(/,
          /^import (?!type)[^;]*from '\.\.\/(docker\/engine|zookeeper\/[a-z-]+|cluster\/readiness|sources)'/m,
        ]
          .filter((pattern) => pattern.test(code))
          .map((pattern) => `${file}: ${pattern}`);
      });
    expect(own).toEqual([]);
  });
});

/** Every .ts file under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * REST clients made outside src/flink: `new FlinkRestClient(...)`, or a FlinkAdapter's
 * `jobManager(url, timeout)` / `cluster(urls, timeout)` whose timeout is not one of REST_TIMEOUT_MS.
 */
function restClientsOffPolicy(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const where = (node: ts.Node) =>
    `${relative(SRC, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && /(^|\.)Flink(Rest|Cluster)Client$/.test(node.expression.getText()))
      found.push(`${where(node)}: ${node.getText()}`);
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ['jobManager', 'cluster'].includes(node.expression.name.text) &&
      /(^|\.)(flink|restClients)$/.test(node.expression.expression.getText())
    ) {
      const timeout = node.arguments[1];
      const named =
        timeout !== undefined &&
        ts.isPropertyAccessExpression(timeout) &&
        timeout.expression.getText() === 'REST_TIMEOUT_MS';
      if (!named) found.push(`${where(node)}: ${node.expression.name.text}(${timeout?.getText()})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('REST clients outside src/flink', () => {
  it('are made through the Flink adapter, each with a timeout named in REST_TIMEOUT_MS', () => {
    const offPolicy = sourceFiles(SRC)
      .filter((file) => !relative(SRC, file).startsWith('flink/'))
      .flatMap(restClientsOffPolicy);
    expect(offPolicy).toEqual([]);
  });
});
