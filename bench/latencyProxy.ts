/** A loopback HTTP proxy that adds a fixed latency and counts requests and bytes: real sockets, real delay. */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LatencyProxy {
  url: string;
  stats: { requests: number; bytesIn: number; bytesOut: number; byPath: Map<string, number> };
  reset(): void;
  close(): Promise<void>;
}

export async function startLatencyProxy(target: string, latencyMs: number): Promise<LatencyProxy> {
  const to = new URL(target);
  const stats = { requests: 0, bytesIn: 0, bytesOut: 0, byPath: new Map<string, number>() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      stats.requests++;
      stats.bytesOut += body.length + (req.url?.length ?? 0);
      const path = (req.url ?? '').split('?')[0] ?? '';
      stats.byPath.set(path, (stats.byPath.get(path) ?? 0) + 1);
      setTimeout(() => {
        const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.on('data', (c: Buffer) => (stats.bytesIn += c.length));
          upRes.pipe(res);
        });
        up.on('error', () => res.destroy());
        up.end(body);
      }, latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    reset() {
      stats.requests = 0;
      stats.bytesIn = 0;
      stats.bytesOut = 0;
      stats.byPath.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
