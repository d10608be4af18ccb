/** Views and exports built from the ledger: detail rows, downsampled history, CSV. */
import type { AuditView, EquityPoint, FillView, FundingView } from '../../shared/model.ts';
import type { FundingEvent } from './exchange/types.ts';
import type { AuditEntry, EquitySample, StoredFill } from './ledger/ledger.ts';
import { splitSymbol } from './metrics/pnl.ts';

/** A fill's fee in quote (+ = paid): quote lines as they are, base lines at the fill price; third-asset lines left out. */
export function feeInQuote(fill: StoredFill): number {
  const { base, quote } = splitSymbol(fill.symbol);
  let fee = 0;
  for (const line of fill.fees) {
    if (line.currency === quote) fee += line.amount;
    else if (line.currency === base) fee += line.amount * fill.price;
    else if (typeof line.quoteValue === 'number') fee += line.quoteValue;
  }
  return fee;
}

export function fillView(fill: StoredFill): FillView {
  return {
    id: fill.id,
    orderId: fill.orderId,
    symbol: fill.symbol,
    side: fill.side,
    price: fill.price,
    amount: fill.amount,
    cost: fill.cost,
    fee: feeInQuote(fill),
    timestamp: fill.timestamp,
    isMaker: fill.isMaker,
  };
}

export function fundingView(event: FundingEvent): FundingView {
  return { id: event.id, symbol: event.symbol, amount: event.amount, currency: event.currency, timestamp: event.timestamp };
}

export function auditView(entry: AuditEntry): AuditView {
  return {
    seq: entry.seq,
    at: new Date(Number(entry.at)).toISOString(),
    action: entry.action,
    target: entry.target,
    source: entry.source,
    reason: entry.reason,
  };
}

export function equityPoint(sample: EquitySample): EquityPoint {
  return { t: sample.ts, totalPnl: sample.totalPnl, equity: sample.capital + sample.totalPnl };
}

/** At most `max` points, evenly spaced by index, always keeping the first and the last. */
export function downsample<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) {
    const p = points[Math.round(i * step)];
    if (p !== undefined) out.push(p);
  }
  return out;
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled. */
export function toCsv(header: string[], rows: (string | number | boolean | null)[][]): string {
  const cell = (v: string | number | boolean | null): string => {
    const s = v === null ? '' : String(v);
    // A leading = + - @ would be read as a formula by spreadsheet apps.
    const safe = /^[=+\-@]/.test(s) && Number.isNaN(Number(s)) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function fillsCsv(fills: StoredFill[]): string {
  return toCsv(
    ['time', 'id', 'order_id', 'symbol', 'side', 'price', 'amount', 'cost', 'fee_quote', 'fees', 'maker'],
    fills.map((f) => [
      new Date(f.timestamp).toISOString(),
      f.id,
      f.orderId,
      f.symbol,
      f.side,
      f.price,
      f.amount,
      f.cost,
      Number(feeInQuote(f).toPrecision(12)),
      f.fees.map((l) => `${l.amount} ${l.currency}`).join('; '),
      f.isMaker,
    ]),
  );
}

export function fundingCsv(events: FundingEvent[]): string {
  return toCsv(
    ['time', 'id', 'symbol', 'amount_received', 'currency'],
    events.map((e) => [new Date(e.timestamp).toISOString(), e.id, e.symbol, e.amount, e.currency]),
  );
}

export function metricsCsv(samples: EquitySample[]): string {
  return toCsv(
    ['time', 'total_pnl', 'realized_pnl', 'unrealized_pnl', 'funding_received', 'fees_paid', 'capital', 'equity'],
    samples.map((s) => [
      new Date(s.ts).toISOString(),
      s.totalPnl,
      s.realized,
      s.unrealized,
      s.funding,
      s.fees,
      s.capital,
      s.capital + s.totalPnl,
    ]),
  );
}
