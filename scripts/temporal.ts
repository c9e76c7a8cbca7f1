/**
 * `npm run temporal`: a Temporal dev server with its Web UI, keeping workflows in
 * .data/temporal/temporal.db across restarts, with the runbooks' search attributes registered.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startDevServer } from './lib/temporal-dev-server';

const dataDir = resolve(process.env.FLINK_RUNBOOKS_DATA ?? '.data', 'temporal');
mkdirSync(dataDir, { recursive: true });
const server = await startDevServer({
  port: Number(process.env.TEMPORAL_PORT ?? 7233),
  uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
  dbFile: resolve(dataDir, 'temporal.db'),
  logLevel: process.env.TEMPORAL_LOG_LEVEL ?? 'warn',
  stdio: 'inherit',
});
console.log(`Temporal dev server on ${server.address}; Web UI ${server.uiUrl}; data in ${dataDir}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.stop().then(() => process.exit(0)));
}
server.process.once('exit', (code) => process.exit(code ?? 1));
