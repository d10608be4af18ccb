/**
 * The strategies table under a re-sort on every delta, scrolled: the rows on screen are a window of the
 * sorted list, a strategy keeps its row while it stays in the window, one that enters takes the row of
 * one that left, React renders the window in an order a re-sort leaves alone, and the table puts the DOM
 * in the sorted order with the fewest moves (StrategiesTable, tableModel's stableOrder and rowsStaying).
 * After every delta, top to bottom, the DOM must show exactly the sorted strategies of that window, each
 * with its own current figures (written into reused rows directly).
 *
 * Fed by a stream this test controls (serve mode's protocol, deltas made by the host's own Publisher),
 * so the order after each delta is known; the page is the real production build of the renderer.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { WebSocketServer } from 'ws';
import { Publisher } from '../electron/core/host/publisher.ts';
import { totalsOf } from '../shared/totals.ts';
import type { Snapshot, StrategyView, StreamMessage } from '../shared/model.ts';
import { makeHealth, makeInstance, makeMetrics, makeStrategy } from '../renderer/src/testFixtures.ts';

const ROOT = join(import.meta.dirname, '..', 'out', 'renderer');
const N = 60;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** A live market maker with this total (all realized) and trade count; its age is fresh. */
function strategy(id: string, total: number, tradeCount: number, now: number): StrategyView {
  return makeStrategy(id, {
    account: `acct-${id}`,
    health: makeHealth({ lastGoodSyncAt: new Date(now).toISOString() }),
    metrics: makeMetrics({
      realizedPnl: total,
      fees: 0,
      unrealizedPnl: 0,
      todayPnl: total,
      totalPnl: total,
      tradeCount,
      maxDrawdownPct: null,
    }),
    targetWeight: 1 / N,
  });
}

let seed = 99;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return ((seed >>> 0) % 1_000_000) / 1_000_000;
}

const ids = Array.from({ length: N }, (_, i) => `s${String(i).padStart(2, '0')}`);
let strategies = ids.map((id, i) => strategy(id, i * 10, i, Date.now()));
const publisher = new Publisher();
let server: Server;
let wss: WebSocketServer;
let url = '';

function snapshot(): Snapshot {
  return {
    asOf: new Date().toISOString(),
    seq: publisher.seq,
    totals: totalsOf(strategies, 'USDT', {}),
    strategies,
    instances: strategies.map((s) => makeInstance(s.id, { account: s.account, health: s.health })),
  };
}

test.beforeAll(async () => {
  expect(existsSync(join(ROOT, 'index.html')), 'the web build (npm run build:web)').toBe(true);
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/api/portfolio' || path === '/api/portfolio/history') {
      const body = JSON.stringify(path === '/api/portfolio' ? snapshot() : { asOf: new Date().toISOString(), series: {} });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
      return;
    }
    const file = normalize(join(ROOT, path === '/' ? 'index.html' : decodeURIComponent(path).replace(/^\/+/, '')));
    if (!file.startsWith(ROOT + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: path } }));
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const unsubscribe = publisher.subscribe(snapshot(), (message: StreamMessage) => ws.send(JSON.stringify(message)));
      ws.on('close', unsubscribe);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  publisher.clear();
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  await new Promise((resolve) => server.close(resolve));
});

/** The strategy rows in the DOM, top to bottom, with the total and trade count each shows. */
function shown(page: Page): Promise<{ id: string; total: number; trades: number }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('tr[data-testid^="strategy-row-"]')].map((tr) => ({
      id: (tr.getAttribute('data-testid') ?? '').replace('strategy-row-', ''),
      total: Number(tr.querySelector('[data-testid="total"]')?.getAttribute('data-value')),
      trades: Number(tr.querySelector('[data-testid="trade-count"]')?.getAttribute('data-value')),
    })),
  );
}

/** Sorted by total, largest first, as the table sorts them (ties keep the host's order). */
function sortedIds(): string[] {
  return strategies
    .map((s, index) => ({ s, index }))
    .sort((a, b) => b.s.metrics.totalPnl - a.s.metrics.totalPnl || a.index - b.index)
    .map(({ s }) => s.id);
}

test('sorted by total with a re-sort on every delta and the table scrolled: the DOM shows the sorted window, each row its own figures', async ({
  page,
}) => {
  await page.addInitScript(() => localStorage.setItem('stratdesk.prefs.v1', JSON.stringify({ sort: { key: 'total', dir: 'desc' } })));
  await page.goto(url);
  await expect(page.getByTestId('visible-count')).toHaveText(String(N));
  const scroller = page.getByTestId('strategies-scroll');
  let moved = 0;
  for (let step = 1; step <= 24; step++) {
    // A third of the strategies jump, by up to the whole spread: rows leave and enter the window, and
    // inside it the order changes, often with one row going from the bottom to the top.
    const now = Date.now();
    strategies = strategies.map((s, i) =>
      random() < 0.33 ? strategy(s.id, Math.round(random() * N * 10 * 100) / 100 + i / 1000, s.metrics.tradeCount + 1, now) : s,
    );
    publisher.publish(snapshot());
    // Scroll somewhere else every fourth delta: the window itself moves, down and back up.
    if (step % 4 === 0) await scroller.evaluate((el, top) => (el.scrollTop = top), [0, 900, 1500, 400, 2400, 0][(step / 4) % 6] ?? 0);
    const expected = sortedIds();
    const byId = new Map(strategies.map((s) => [s.id, s]));
    // The DOM after this delta (and scroll): top to bottom, the sorted strategies of the window, each once,
    // each showing its own current total and trade count.
    await expect
      .poll(
        async () => {
          const rows = await shown(page);
          const order = rows.map((r) => r.id);
          const from = expected.indexOf(order[0] ?? '');
          const window = from < 0 ? [] : expected.slice(from, from + rows.length);
          const stale = rows.filter((r) => r.total !== byId.get(r.id)?.metrics.totalPnl || r.trades !== byId.get(r.id)?.metrics.tradeCount);
          return { ok: from >= 0 && order.join() === window.join() && stale.length === 0, step, from, order, window, stale };
        },
        { timeout: 10_000 },
      )
      .toMatchObject({ ok: true });
    const first = expected.indexOf((await shown(page))[0]?.id ?? '');
    moved += first;
  }
  // The window really moved (rows left and entered it), not only re-sorted in place.
  expect(moved).toBeGreaterThan(0);
});
