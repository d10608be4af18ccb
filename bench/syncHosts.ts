/**
 * REST sync of 100 instances on 100 accounts, each account on its own simulator host (nothing to
 * share: no request, no budget, no markets), against one instance on one account, with 50 ms of
 * latency on every request (the simulator's latency fault). With `--profile`, the measured rounds of
 * the largest count are CPU-profiled in-process and the top self-time functions printed.
 * `node bench/syncHosts.ts [counts…] [--profile] [--symbols A,B] [--warmup N]` — prints numbers, never fails on timing; `PROFILE_OUT=file`
 * also writes the raw CPU profile (open it in Chrome DevTools) for inclusive times.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { openDesk, startFleet } from './streamFleet.ts';

const args = process.argv.slice(2);
const isProfiled = args.includes('--profile');
const counts = args
  .filter((a, i) => args[i - 1] !== '--warmup')
  .map(Number)
  .filter((n) => n > 0);
// `--symbols BTC/USDT,BTC/USDT:USDT`: each instance's symbols (default one spot symbol), e.g. a funding-arbitrage pair.
const symbolsArg = args[args.indexOf('--symbols') + 1];
const symbols = args.includes('--symbols') && symbolsArg !== undefined ? symbolsArg.split(',') : ['BTC/USDT'];
const COUNTS = counts.length > 0 ? counts : [1, 100];
const LATENCY = 50;
const ROUNDS = 9;
// Rounds before the measured ones, alternating like them: the app syncs every few seconds for hours, and
// the first rounds of a process run cold code (a 100-instance round took ~220 ms first, ~80 ms from the
// sixth on). `--warmup 1` measures from the second round, as this bench did before.
const warmupArg = Number(args[args.indexOf('--warmup') + 1]);
const WARMUP = args.includes('--warmup') && Number.isInteger(warmupArg) && warmupArg >= 1 ? warmupArg : 6;
const max = Math.max(...COUNTS);

const fleet = await startFleet(max, 1, LATENCY, 0);
console.log(`${max} simulator hosts (own process), one account each, ${LATENCY} ms per request; symbols ${symbols.join(' ')}`);
await fleet.go(Math.min(200, max * 2), 2); // every account has fills and an open spot position to mark
console.log(`instances (each its own account and host) | sync round (median of ${ROUNDS}, after ${WARMUP} warm-up rounds) | ratio to 1`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

// Rounds alternate between the sizes, so a busy machine (shared cores) weighs on every size alike.
const desks = [];
for (const n of COUNTS) {
  const accounts = Array.from({ length: n }, (_, i) => ({ url: fleet.urls[i] ?? '', apiKey: `k${i}-0`, secret: `s${i}-0` }));
  const desk = await openDesk({ n, accounts, intervalMs: 3_600_000, streams: false, startRest: false, symbols: () => symbols });
  await desk.rest.syncNow(); // cursors written, first marks read
  desks.push({ n, desk, times: [] as number[], appCpu: [] as number[], mainCpu: [] as number[], simCpu: [] as number[] });
}
for (let r = 1; r < WARMUP; r++) for (const d of desks) await d.desk.rest.syncNow();
// CPU per round on each side: the app's one JS thread (this process) and the simulators' (one other
// process for all hosts, so its work is serialised too; real exchange hosts would not share a thread).
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
// The main thread's own CPU (Linux schedstat, ns): the process figure also counts V8's GC helpers and libuv's pool.
const mainCpuNow = (): number => {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
};
for (let r = 0; r < ROUNDS; r++) {
  for (const d of desks) {
    const app = cpuNow();
    const main = mainCpuNow();
    const sim = fleet.cpuMs();
    const t = performance.now();
    await d.desk.rest.syncNow();
    d.times.push(performance.now() - t);
    d.appCpu.push(cpuNow() - app);
    d.mainCpu.push(mainCpuNow() - main);
    d.simCpu.push(fleet.cpuMs() - sim);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const base = median(desks[0]?.times ?? []);
for (const d of desks) {
  const m = median(d.times);
  console.log(
    `${String(d.n).padStart(4)} | ${m.toFixed(0)} ms | ${(m / base).toFixed(2)}×  (rounds: ${d.times.map((t) => t.toFixed(0)).join(' ')})`,
  );
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `       ${d.n > 1 ? `+${(m - base).toFixed(0)} ms over one instance (${(((m - base) / (d.n - 1)) * 1000).toFixed(0)} µs per added instance); ` : ''}CPU per round: app ${mean(d.appCpu).toFixed(0)} ms (main thread ${mean(d.mainCpu).toFixed(0)}), simulators ${mean(d.simCpu).toFixed(0)} ms (${((mean(d.appCpu) / d.n) * 1000).toFixed(0)} µs app CPU per instance, ${((mean(d.mainCpu) / d.n) * 1000).toFixed(0)} on the main thread)`,
  );
  const failed = d.desk.instances.filter((i) => d.desk.rest.health(i).state === 'error');
  if (failed.length > 0) console.log(`  ${failed.length} instances in error`);
}
const largest = desks.find((d) => d.n === max);
if (isProfiled && largest) {
  const profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
  const t = performance.now();
  for (let r = 0; r < 3; r++) await largest.desk.rest.syncNow();
  const wall = performance.now() - t;
  const { profile } = (await profiler.post('Profiler.stop')) as unknown as { profile: Profile };
  profiler.disconnect();
  if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
  printTop(profile, wall);
}
for (const d of desks) await d.desk.close();
fleet.stop();

/** Self time per function (and where it lives), the top 15, as a share of the measured wall time. */
function printTop(profile: Profile, wallMs: number): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] ?? -1);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/work\/main\//, '');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  // The profiler's own stop (node:inspector) is not the sync's time.
  const busy = [...self.entries()].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)') && !k.includes('node:inspector'));
  const cpu = busy.reduce((sum, [, ms]) => sum + ms, 0);
  console.log(`  profile: ${cpu.toFixed(0)} ms on the CPU in ${wallMs.toFixed(0)} ms of wall time (3 rounds); top self time:`);
  busy.sort((a, b) => b[1] - a[1]);
  for (const [k, ms] of busy.slice(0, 15)) console.log(`    ${ms.toFixed(0).padStart(6)} ms  ${k}`);
  const byArea = new Map<string, number>();
  for (const [k, ms] of busy) {
    const area = /ccxt\//.test(k)
      ? 'ccxt'
      : /node:|^\(garbage|internal/.test(k)
        ? 'node/GC'
        : /electron\/core/.test(k)
          ? 'app core'
          : 'other';
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
  }
  // Who calls the top three: the self time of a native call (SQLite's exec, a write) says little alone.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const label = (node: ProfileNode | undefined): string =>
    node === undefined
      ? '?'
      : `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(node_modules|main)\//, '')}:${node.callFrame.lineNumber + 1}`;
  for (const [k] of busy.slice(0, 3)) {
    const callers = new Map<string, number>();
    for (let i = 0; i < profile.samples.length; i++) {
      const node = byId.get(profile.samples[i] ?? -1);
      if (node === undefined || !k.startsWith(`${node.callFrame.functionName || '(anonymous)'} `)) continue;
      let up = byId.get(parent.get(node.id) ?? -1);
      while (up !== undefined && up.callFrame.url === '') up = byId.get(parent.get(up.id) ?? -1);
      const c = label(up);
      callers.set(c, (callers.get(c) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    }
    const top = [...callers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    console.log(`    ${k.split(' ')[0]} called from: ${top.map(([c, ms]) => `${c} (${ms.toFixed(0)} ms)`).join('; ')}`);
  }
  console.log(`  by area: ${[...byArea.entries()].map(([a, ms]) => `${a} ${ms.toFixed(0)} ms`).join(', ')}`);
}
