import { createServer, type Server } from 'node:http';

/** A real HTTP receiver on 127.0.0.1 for a webhook alert channel: keeps every JSON body it gets. */
export interface AlertReceiver {
  server: Server;
  url: string;
  bodies: Array<Record<string, unknown>>;
}

export async function startAlertReceiver(): Promise<AlertReceiver> {
  const bodies: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      try {
        bodies.push(JSON.parse(body));
      } catch {
        bodies.push({ raw: body });
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/alerts`, bodies };
}
