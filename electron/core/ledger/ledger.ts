/**
 * The ledger: one SQLite file (node:sqlite, built into Node 24 and Electron 45) in the data folder.
 * Holds fills, per-endpoint cursors, the order-id journal, strategy state and the control audit log.
 * WAL with synchronous=FULL: a write that returned survives a kill -9 or a power cut.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { StrategyStatus } from '../../../shared/model.ts';
import type { FeeLine, Fill, FundingEvent, PositionReport, Side } from '../exchange/types.ts';
import { compareFillOrder } from '../metrics/pnl.ts';
import type { WalletBalance } from '../exchange/types.ts';

export interface EquitySample {
  instanceId: string;
  ts: number;
  /** All in quote. */
  totalPnl: number;
  capital: number;
  realized: number;
  unrealized: number;
  funding: number;
  fees: number;
}

export const SCHEMA_VERSION = 3;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE fills (
      exchange TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL, id TEXT NOT NULL,
      instance_id TEXT, order_id TEXT, side TEXT NOT NULL CHECK (side IN ('buy','sell')),
      price REAL NOT NULL, amount REAL NOT NULL, cost REAL NOT NULL, fees TEXT NOT NULL,
      ts INTEGER NOT NULL, is_maker INTEGER, inserted_at INTEGER NOT NULL,
      PRIMARY KEY (exchange, account, symbol, id)
    );
    CREATE INDEX fills_by_instance ON fills (instance_id, ts, id);
    CREATE INDEX fills_by_order ON fills (exchange, account, symbol, order_id);
    CREATE TABLE cursors (
      instance_id TEXT NOT NULL, endpoint TEXT NOT NULL, symbol TEXT NOT NULL,
      since INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      PRIMARY KEY (instance_id, endpoint, symbol)
    );
    CREATE TABLE orders (
      exchange TEXT NOT NULL, account TEXT NOT NULL, order_id TEXT NOT NULL,
      instance_id TEXT NOT NULL, symbol TEXT NOT NULL, created_at INTEGER NOT NULL,
      -- Order ids are unique per symbol only (Binance numbers each symbol's orders from 1).
      PRIMARY KEY (exchange, account, symbol, order_id)
    );
    CREATE TABLE strategy_state (
      id TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('live','paused','stopped')),
      allocation REAL, running INTEGER, updated_at INTEGER NOT NULL
    );
    CREATE TABLE audit (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, action TEXT NOT NULL,
      target TEXT NOT NULL, source TEXT NOT NULL, reason TEXT, detail TEXT
    );
  `,
  2: `
    CREATE TABLE funding (
      exchange TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL, id TEXT NOT NULL,
      instance_id TEXT, amount REAL NOT NULL, currency TEXT NOT NULL, ts INTEGER NOT NULL, inserted_at INTEGER NOT NULL,
      PRIMARY KEY (exchange, account, symbol, id)
    );
    CREATE INDEX funding_by_instance ON funding (instance_id, ts);
    CREATE TABLE equity_samples (
      instance_id TEXT NOT NULL, ts INTEGER NOT NULL, total_pnl REAL NOT NULL, capital REAL NOT NULL,
      realized REAL NOT NULL, unrealized REAL NOT NULL, funding REAL NOT NULL, fees REAL NOT NULL,
      PRIMARY KEY (instance_id, ts)
    );
    CREATE TABLE position_snapshots (
      instance_id TEXT NOT NULL, symbol TEXT NOT NULL, ts INTEGER NOT NULL, qty REAL NOT NULL,
      entry_price REAL NOT NULL, mark_price REAL NOT NULL, exchange_unrealized REAL NOT NULL,
      PRIMARY KEY (instance_id, symbol, ts)
    );
    CREATE TABLE transfers (
      instance_id TEXT NOT NULL, ts INTEGER NOT NULL, amount REAL NOT NULL, currency TEXT NOT NULL, kind TEXT NOT NULL, note TEXT
    );
  `,
  // The exchange's own realized PnL per fill (Binance USDⓈ-M), kept to cross-check ours.
  3: `ALTER TABLE fills ADD COLUMN exchange_realized REAL;`,
};

/** One fill as the engine counts what an instance holds (base; fees as charged). */
export interface HeldRow {
  rowid: number;
  symbol: string;
  side: Side;
  amount: number;
  fees: FeeLine[];
}

export interface StoredFill extends Fill {
  instanceId: string | null;
}

export interface StrategyState {
  id: string;
  status: StrategyStatus;
  allocation: number | null;
  isRunning: boolean | null;
}

export interface AuditEntry {
  seq: number;
  at: number;
  action: string;
  target: string;
  source: string;
  reason: string | null;
  detail: string | null;
}

export interface FillBatch {
  exchange: string;
  account: string;
  /** Fills to insert with the instance each belongs to (null when not attributable yet). */
  fills: { fill: Fill; instanceId: string | null }[];
  /** Cursor to write in the same transaction: the fills are on disk before the cursor moves. */
  cursor: { instanceId: string; endpoint: string; symbol: string; since: number } | null;
}

/** Funding payments to attribute, each with the instance (and group) it is split to, and the cursor to move with them. */
export interface FundingBatch {
  exchange: string;
  account: string;
  events: { event: FundingEvent; instanceId: string; group?: string; isFallback?: boolean }[];
  cursor: FillBatch['cursor'];
}

export class LedgerError extends Error {
  override name = 'LedgerError';
}

export class Ledger {
  readonly path: string;
  #db: DatabaseSync;
  #stmts: Map<string, StatementSync> = new Map();

  constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.#db = new DatabaseSync(path);
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
      // Reads through the OS's page cache in place instead of a read() and a copy per 4 KB page: a 1 M-fill
      // recompute spent ~70 ms in those system calls. Writes still go through the WAL as before; the data
      // lock keeps any other process from truncating the file under the mapping.
      this.#db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
      this.#migrate();
    } catch (error) {
      throw new LedgerError(`cannot open the ledger at ${path}: ${(error as Error).message}`);
    }
  }

  #migrate(): void {
    const row = this.#db.prepare('PRAGMA user_version').get() as { user_version: number };
    const from = row.user_version;
    if (from > SCHEMA_VERSION) {
      throw new LedgerError(`ledger schema ${from} is newer than this app (${SCHEMA_VERSION}); update Stratdesk`);
    }
    for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
      this.transaction(() => {
        this.#db.exec(MIGRATIONS[v] ?? '');
        this.#db.exec(`PRAGMA user_version = ${v}`);
      });
    }
  }

  /** Transactions of this connection that added fill rows (see `fillsVersion`). */
  #fillInserts = 0;

  #stmt(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Inserts new fills (duplicates by exchange, account, symbol, id are ignored) and moves the cursor; returns the inserted ones. */
  appendFills(batch: FillBatch, now: number): StoredFill[] {
    // A sync re-reads an overlap before its cursor, so most batches hold only fills already stored. Writing
    // them would change nothing but cost a commit (an fsync on the main thread, per instance per round).
    if (this.#changesNothing(batch)) return [];
    return this.transaction(() => {
      const inserted: StoredFill[] = [];
      const insert = this.#stmt(
        // ON CONFLICT, not OR IGNORE: only a duplicate is skipped; a fill that breaks a constraint fails the batch.
        `INSERT INTO fills (exchange, account, symbol, id, instance_id, order_id, side, price, amount, cost, fees, ts, is_maker, inserted_at, exchange_realized)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (exchange, account, symbol, id) DO NOTHING`,
      );
      for (const { fill, instanceId } of batch.fills) {
        const result = insert.run(
          batch.exchange,
          batch.account,
          fill.symbol,
          fill.id,
          instanceId,
          fill.orderId,
          fill.side,
          fill.price,
          fill.amount,
          fill.cost,
          JSON.stringify(fill.fees),
          fill.timestamp,
          fill.isMaker === null ? null : fill.isMaker ? 1 : 0,
          now,
          fill.exchangeRealizedPnl ?? null,
        );
        if (Number(result.changes) > 0) inserted.push({ ...fill, instanceId });
      }
      if (inserted.length > 0) this.#fillInserts += 1;
      if (batch.cursor) this.#writeCursor(batch.cursor, now);
      return inserted;
    });
  }

  /** True when every fill is already stored and the cursor would not move: a read, no transaction. */
  #changesNothing(batch: FillBatch): boolean {
    if (batch.cursor && this.#cursorMoves(batch.cursor)) return false;
    const stored = this.#stmt('SELECT 1 FROM fills WHERE exchange = ? AND account = ? AND symbol = ? AND id = ?');
    return batch.fills.every(({ fill }) => stored.get(batch.exchange, batch.account, fill.symbol, fill.id) !== undefined);
  }

  #cursorMoves(c: NonNullable<FillBatch['cursor']>): boolean {
    const since = this.cursor(c.instanceId, c.endpoint, c.symbol);
    return since === null || since < c.since;
  }

  #writeCursor(c: NonNullable<FillBatch['cursor']>, now: number): void {
    this.#stmt(
      `INSERT INTO cursors (instance_id, endpoint, symbol, since, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (instance_id, endpoint, symbol) DO UPDATE SET since = MAX(since, excluded.since), updated_at = excluded.updated_at`,
    ).run(c.instanceId, c.endpoint, c.symbol, c.since, now);
  }

  /**
   * Records funding payments and moves the cursor in the same transaction. Each exchange payment
   * (`group`, else the event's own id) is attributed as a whole: the events given for it are its
   * complete attribution and REPLACE whatever was recorded for it before, so a payment re-read after a
   * perpetual became shared (or unshared) moves between instances but is never counted twice. An
   * attribution equal to the stored one writes nothing. `isFallback` (no position to split by): kept
   * only when nothing is recorded for that payment yet. Returns the rows written.
   */
  appendFunding(batch: FundingBatch, now: number): number {
    return this.attributeFunding(batch, now).written;
  }

  /** `appendFunding`, also naming every instance whose funding changed (gained or lost a share). */
  attributeFunding(batch: FundingBatch, now: number): { written: number; touched: Set<string> } {
    const payments = new Map<string, { symbol: string; isFallback: boolean; rows: { event: FundingEvent; instanceId: string }[] }>();
    for (const { event, instanceId, group, isFallback } of batch.events) {
      const key = `${event.symbol}\u0000${group ?? event.id}`;
      const p = payments.get(key) ?? { symbol: event.symbol, isFallback: isFallback === true, rows: [] };
      p.rows.push({ event, instanceId });
      payments.set(key, p);
    }
    return this.transaction(() => {
      let written = 0;
      const touched = new Set<string>();
      // The whole payment is stored under the exchange's id; its parts as `<id>#<instance>`: one range of the primary key.
      const existing = this.#stmt(
        "SELECT id, instance_id, amount FROM funding WHERE exchange = ? AND account = ? AND symbol = ? AND (id = ? OR (id >= ? || '#' AND id < ? || '$'))",
      );
      const remove = this.#stmt(
        "DELETE FROM funding WHERE exchange = ? AND account = ? AND symbol = ? AND (id = ? OR (id >= ? || '#' AND id < ? || '$'))",
      );
      const insert = this.#stmt(
        'INSERT INTO funding (exchange, account, symbol, id, instance_id, amount, currency, ts, inserted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const [key, p] of payments) {
        const payment = key.slice(key.indexOf('\u0000') + 1);
        const args = [batch.exchange, batch.account, p.symbol, payment, payment, payment] as const;
        const stored = existing.all(...args) as unknown as { id: string; instance_id: string | null; amount: number }[];
        if (p.isFallback && stored.length > 0) continue;
        const isSame =
          stored.length === p.rows.length &&
          p.rows.every(({ event, instanceId }) =>
            stored.some(
              (r) =>
                r.id === event.id &&
                r.instance_id === instanceId &&
                Math.abs(r.amount - event.amount) <= 1e-12 * Math.max(1, Math.abs(event.amount)),
            ),
          );
        if (isSame) continue;
        remove.run(...args);
        for (const r of stored) if (r.instance_id !== null) touched.add(r.instance_id);
        for (const { event, instanceId } of p.rows) {
          insert.run(batch.exchange, batch.account, event.symbol, event.id, instanceId, event.amount, event.currency, event.timestamp, now);
          touched.add(instanceId);
          written++;
        }
      }
      // A re-read that changed nothing leaves the transaction without a page written: no fsync.
      if (batch.cursor && this.#cursorMoves(batch.cursor)) this.#writeCursor(batch.cursor, now);
      return { written, touched };
    });
  }

  /** The instances that hold a share of one exchange payment (whole or split). */
  fundingHolders(exchange: string, account: string, symbol: string, paymentId: string): string[] {
    const rows = this.#stmt(
      "SELECT DISTINCT instance_id FROM funding WHERE exchange = ? AND account = ? AND symbol = ? AND instance_id IS NOT NULL AND (id = ? OR (id >= ? || '#' AND id < ? || '$'))",
    ).all(exchange, account, symbol, paymentId, paymentId, paymentId) as unknown as { instance_id: string }[];
    return rows.map((r) => r.instance_id);
  }

  fundingFor(instanceId: string, limit?: number): FundingEvent[] {
    const sql =
      limit === undefined
        ? 'SELECT id, symbol, amount, currency, ts FROM funding WHERE instance_id = ? ORDER BY ts, id'
        : 'SELECT id, symbol, amount, currency, ts FROM funding WHERE instance_id = ? ORDER BY ts DESC, id DESC LIMIT ?';
    const rows = (limit === undefined ? this.#stmt(sql).all(instanceId) : this.#stmt(sql).all(instanceId, limit)) as unknown as {
      id: string;
      symbol: string;
      amount: number;
      currency: string;
      ts: number;
    }[];
    return rows.map((r) => ({ id: r.id, symbol: r.symbol, amount: r.amount, currency: r.currency, timestamp: Number(r.ts) }));
  }

  fundingTotal(instanceId: string): number {
    const row = this.#stmt('SELECT COALESCE(SUM(amount), 0) AS s FROM funding WHERE instance_id = ?').get(instanceId) as { s: number };
    return Number(row.s);
  }

  /** The newest fills first, for the detail view. */
  recentFills(instanceId: string, limit: number): StoredFill[] {
    const rows = this.#stmt('SELECT * FROM fills WHERE instance_id = ? ORDER BY ts DESC, CAST(id AS INTEGER) DESC LIMIT ?').all(
      instanceId,
      limit,
    ) as unknown as FillRow[];
    return rows.map(rowToFill);
  }

  addEquitySample(sample: EquitySample): void {
    this.#stmt(
      `INSERT OR REPLACE INTO equity_samples (instance_id, ts, total_pnl, capital, realized, unrealized, funding, fees) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(sample.instanceId, sample.ts, sample.totalPnl, sample.capital, sample.realized, sample.unrealized, sample.funding, sample.fees);
  }

  equitySamples(instanceId: string, since = 0): EquitySample[] {
    const rows = this.#stmt('SELECT * FROM equity_samples WHERE instance_id = ? AND ts >= ? ORDER BY ts').all(
      instanceId,
      since,
    ) as unknown as {
      instance_id: string;
      ts: number;
      total_pnl: number;
      capital: number;
      realized: number;
      unrealized: number;
      funding: number;
      fees: number;
    }[];
    return rows.map((r) => ({
      instanceId: r.instance_id,
      ts: Number(r.ts),
      totalPnl: r.total_pnl,
      capital: r.capital,
      realized: r.realized,
      unrealized: r.unrealized,
      funding: r.funding,
      fees: r.fees,
    }));
  }

  addPositionSnapshot(instanceId: string, p: PositionReport): void {
    this.#stmt(
      'INSERT OR REPLACE INTO position_snapshots (instance_id, symbol, ts, qty, entry_price, mark_price, exchange_unrealized) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(instanceId, p.symbol, p.timestamp, p.qty, p.entryPrice, p.markPrice, p.unrealizedPnl);
  }

  auditFor(target: string | undefined, limit: number): AuditEntry[] {
    return (target === undefined
      ? this.#stmt('SELECT * FROM audit ORDER BY seq DESC LIMIT ?').all(limit)
      : this.#stmt('SELECT * FROM audit WHERE target = ? ORDER BY seq DESC LIMIT ?').all(target, limit)) as unknown as AuditEntry[];
  }

  cursor(instanceId: string, endpoint: string, symbol: string): number | null {
    const row = this.#stmt('SELECT since FROM cursors WHERE instance_id = ? AND endpoint = ? AND symbol = ?').get(
      instanceId,
      endpoint,
      symbol,
    ) as { since: number } | undefined;
    return row ? Number(row.since) : null;
  }

  /** The instance's fills in fold order (time, then id). */
  fillsFor(instanceId: string): StoredFill[] {
    const rows = this.#stmt('SELECT * FROM fills WHERE instance_id = ? ORDER BY ts, CAST(id AS INTEGER), id').all(
      instanceId,
    ) as unknown as FillRow[];
    return rows.map(rowToFill);
  }

  /** Streams the instance's fills in fold order without holding them all in memory (a full recompute at 1 M fills). */
  eachFill(instanceId: string, fn: (fill: StoredFill) => void): number {
    return this.#eachFoldRow(FILL_ROWS_SQL, [instanceId], Number.MIN_SAFE_INTEGER, instanceId, fn);
  }

  /**
   * `eachFill` with only what the fold reads (no order id, maker flag or the exchange's own PnL): the
   * sync's full recompute.
   */
  eachFoldFill(instanceId: string, fn: (fill: StoredFill) => void): number {
    return this.#eachFoldRow(FOLD_ROWS_SQL, [instanceId], Number.MIN_SAFE_INTEGER, instanceId, fn);
  }

  /**
   * The instance's fills in `symbol` from `ts` on (inclusive), in fold order, with what the fold reads:
   * what a late fill refolds from its symbol's nearest checkpoint.
   */
  eachFillOfSymbol(instanceId: string, symbol: string, fromTs: number, fn: (fill: StoredFill) => void): number {
    return this.#eachFoldRow(FOLD_SYMBOL_ROWS_SQL, [instanceId, symbol], fromTs, instanceId, fn);
  }

  /**
   * Rows as arrays and only the columns asked: a full recompute spends its time here. The index gives
   * (time, text id) order without a sort; fills of one millisecond are put in fold order (numeric ids
   * numerically, as `compareFillOrder`) here rather than by SQLite for every row.
   */
  #eachFoldRow(sql: string, params: string[], fromTs: number, instanceId: string, fn: (fill: StoredFill) => void): number {
    let stmt = this.#stmts.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      stmt.setReturnArrays(true);
      this.#stmts.set(sql, stmt);
    }
    let n = 0;
    let group: StoredFill[] = [];
    const flush = () => {
      if (group.length > 1) group.sort((a, b) => compareFillOrder(a.timestamp, a.id, b.timestamp, b.id));
      for (const fill of group) fn(fill);
      group = [];
    };
    // Pages of rows by `all()` rather than one `iterate()`: node:sqlite's iterator pays a round trip into
    // C++ and a result object per row, a third of a full recompute at 1 M fills. A page resumes at the
    // last row's (ts, id), inclusive, skipping the rows of that key it already read: the index holds
    // rows of one key in rowid order, and a key is shared by at most one fill per symbol (a rowid
    // column to resume after would cost a value per row). The first page starts at `fromTs` inclusive
    // (no id sorts before ''); the start is the key itself, not a separate `ts >= ?`, so that every
    // page seeks to where it resumes instead of scanning from `fromTs` again.
    let ts = fromTs;
    let id = '';
    let skip = 0;
    for (;;) {
      const rows = stmt.all(...params, ts, id) as unknown as FoldRow[];
      for (let k = skip; k < rows.length; k++) {
        const r = rows[k] as FoldRow;
        // id, symbol, side, price, amount, cost, fees, ts[, order_id, is_maker, exchange_realized]
        const fill: StoredFill = {
          id: r[0],
          orderId: r.length > 8 ? (r[8] ?? null) : null,
          symbol: r[1],
          side: r[2],
          price: r[3],
          amount: r[4],
          cost: r[5],
          fees: parseFees(r[6]),
          timestamp: r[7],
          isMaker: r.length > 8 && r[9] !== null && r[9] !== undefined ? r[9] === 1 : null,
          instanceId,
        };
        const realized = r[10];
        if (realized !== null && realized !== undefined) fill.exchangeRealizedPnl = realized;
        if (group.length > 0 && (group[0] as StoredFill).timestamp !== fill.timestamp) flush();
        group.push(fill);
        n++;
      }
      if (rows.length < FOLD_PAGE) break;
      const last = rows[rows.length - 1] as FoldRow;
      let tail = 1;
      while (
        tail < rows.length &&
        (rows[rows.length - 1 - tail] as FoldRow)[7] === last[7] &&
        (rows[rows.length - 1 - tail] as FoldRow)[0] === last[0]
      )
        tail++;
      if (tail === rows.length)
        throw new LedgerError(`more than ${FOLD_PAGE} fills of ${instanceId} share the time ${last[7]} and the id ${last[0]}`);
      ts = last[7];
      id = last[0];
      skip = tail;
    }
    flush();
    return n;
  }

  /** The prices an instance's open positions were last marked at, kept so unrealized PnL survives a restart. */
  lastMarks(instanceId: string): Map<string, number> {
    this.#marksTable();
    const rows = this.#stmt('SELECT symbol, price FROM last_marks WHERE instance_id = ?').all(instanceId) as unknown as {
      symbol: string;
      price: number;
    }[];
    return new Map(rows.map((r) => [r.symbol, r.price]));
  }

  saveMarks(instanceId: string, marks: ReadonlyMap<string, number>, ts: number): void {
    this.#marksTable();
    const upsert = this.#stmt(
      `INSERT INTO last_marks (instance_id, symbol, price, ts) VALUES (?, ?, ?, ?)
       ON CONFLICT (instance_id, symbol) DO UPDATE SET price = excluded.price, ts = excluded.ts`,
    );
    for (const [symbol, price] of marks) upsert.run(instanceId, symbol, price, ts);
  }

  // Created on first use, apart from the numbered migrations (as the reconciliation tables are), so
  // blocks that teammates add to the schema in parallel never fight over a version number.
  #isMarksReady = false;

  #marksTable(): void {
    if (this.#isMarksReady) return;
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS last_marks (instance_id TEXT NOT NULL, symbol TEXT NOT NULL, price REAL NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (instance_id, symbol))',
    );
    this.#isMarksReady = true;
  }

  /** Fills attributed to the instance and written after ledger row `rowid`, in fold order. */
  fillsAfter(instanceId: string, rowid: number): (StoredFill & { rowid: number })[] {
    // By the rowid range (`+instance_id` keeps SQLite off the instance index): the instance index would
    // walk every fill the instance ever had, on every sync.
    const rows = this.#stmt('SELECT rowid, * FROM fills WHERE rowid > ? AND +instance_id = ? ORDER BY ts, CAST(id AS INTEGER), id').all(
      rowid,
      instanceId,
    ) as unknown as (FillRow & {
      rowid: number;
    })[];
    return rows.map((r) => ({ ...rowToFill(r), rowid: Number(r.rowid) }));
  }

  /**
   * Changes whenever a fill row may have been added: by this connection (counted here) or by another
   * (SQLite's `data_version`, which moves on any commit another connection makes; the data folder's lock
   * keeps a second app out, but the fold does not rest on that). Equal twice: no fill was added in
   * between, so a fold of what was added since (`fillsAfter`) has nothing to read. One pragma instead of
   * the fold's two reads, and at most one per turn of the event loop: the instances whose answers land in
   * one turn share it (a WAL read takes and drops a lock on the -shm file: ~30 µs in a busy sync round,
   * 1 500 of them in ten rounds of 100 instances, 413 shared). Another connection's commit therefore shows
   * from the next turn, as if the pragma had been read a moment earlier; a fold that already read its
   * rows folds again next time, which reads nothing new.
   */
  fillsVersion(): string {
    if (this.#dataVersion === null) {
      this.#dataVersion = (this.#stmt('PRAGMA data_version').get() as { data_version: number }).data_version;
      setImmediate(() => (this.#dataVersion = null));
    }
    return `${this.#dataVersion}:${this.#fillInserts}`;
  }

  /** `PRAGMA data_version` as read in this turn of the event loop; null once the turn is over. */
  #dataVersion: number | null = null;

  maxRowid(): number {
    const row = this.#stmt('SELECT COALESCE(MAX(rowid), 0) AS m FROM fills').get() as { m: number };
    return Number(row.m);
  }

  countFills(instanceId?: string): number {
    const row = (
      instanceId === undefined
        ? this.#stmt('SELECT COUNT(*) AS n FROM fills').get()
        : this.#stmt('SELECT COUNT(*) AS n FROM fills WHERE instance_id = ?').get(instanceId)
    ) as { n: number };
    return Number(row.n);
  }

  /** Records that `instanceId` placed `orderId`, and claims fills of that order that arrived before the journal knew it. */
  journalOrder(entry: { exchange: string; account: string; orderId: string; instanceId: string; symbol: string }, now: number): number {
    return this.transaction(() => {
      this.#stmt(
        'INSERT OR IGNORE INTO orders (exchange, account, order_id, instance_id, symbol, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(entry.exchange, entry.account, entry.orderId, entry.instanceId, entry.symbol, now);
      const claimed = this.#stmt(
        'UPDATE fills SET instance_id = ? WHERE exchange = ? AND account = ? AND symbol = ? AND order_id = ? AND instance_id IS NULL',
      ).run(entry.instanceId, entry.exchange, entry.account, entry.symbol, entry.orderId);
      return Number(claimed.changes);
    });
  }

  /** The instance's signed position in `symbol` from its fills up to `ts` (base; fees in base not counted). */
  positionAt(instanceId: string, symbol: string, ts: number): number {
    const row = this.#stmt(
      "SELECT COALESCE(SUM(CASE side WHEN 'buy' THEN amount ELSE -amount END), 0) AS q FROM fills WHERE instance_id = ? AND symbol = ? AND ts <= ?",
    ).get(instanceId, symbol, ts) as { q: number };
    return Number(row.q);
  }

  /** Base amount the ledger holds for one order's fills. */
  filledAmount(exchange: string, account: string, symbol: string, orderId: string): number {
    const row = this.#stmt(
      'SELECT COALESCE(SUM(amount), 0) AS a FROM fills WHERE exchange = ? AND account = ? AND symbol = ? AND order_id = ?',
    ).get(exchange, account, symbol, orderId) as { a: number };
    return Number(row.a);
  }

  countOrders(instanceId: string): number {
    const row = this.#stmt('SELECT COUNT(*) AS n FROM orders WHERE instance_id = ?').get(instanceId) as { n: number };
    return Number(row.n);
  }

  /** Orders the instance placed, and how many of them filled at least once (a fill rate that cannot pass 100 %). */
  orderFillStats(instanceId: string): { placed: number; filled: number } {
    const row = this.#stmt(
      `SELECT COUNT(*) AS placed,
              SUM(EXISTS (SELECT 1 FROM fills f WHERE f.exchange = o.exchange AND f.account = o.account
                          AND f.symbol = o.symbol AND f.order_id = o.order_id)) AS filled
         FROM orders o WHERE o.instance_id = ?`,
    ).get(instanceId) as { placed: number; filled: number | null };
    return { placed: Number(row.placed), filled: Number(row.filled ?? 0) };
  }

  orderOwner(exchange: string, account: string, symbol: string, orderId: string): string | null {
    const row = this.#stmt('SELECT instance_id FROM orders WHERE exchange = ? AND account = ? AND symbol = ? AND order_id = ?').get(
      exchange,
      account,
      symbol,
      orderId,
    ) as { instance_id: string } | undefined;
    return row?.instance_id ?? null;
  }

  strategyState(id: string): StrategyState | null {
    const row = this.#stmt('SELECT id, status, allocation, running FROM strategy_state WHERE id = ?').get(id) as
      { id: string; status: StrategyStatus; allocation: number | null; running: number | null } | undefined;
    if (!row) return null;
    return { id: row.id, status: row.status, allocation: row.allocation, isRunning: row.running === null ? null : row.running === 1 };
  }

  saveStrategyState(state: StrategyState, now: number): void {
    this.#stmt(
      `INSERT INTO strategy_state (id, status, allocation, running, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, allocation = excluded.allocation, running = excluded.running, updated_at = excluded.updated_at`,
    ).run(state.id, state.status, state.allocation, state.isRunning === null ? null : state.isRunning ? 1 : 0, now);
  }

  audit(entry: Omit<AuditEntry, 'seq'>): void {
    this.#stmt('INSERT INTO audit (at, action, target, source, reason, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
      entry.at,
      entry.action,
      entry.target,
      entry.source,
      entry.reason,
      entry.detail,
    );
  }

  auditLog(limit = 200): AuditEntry[] {
    return this.auditFor(undefined, limit);
  }

  // ---------------------------------------------------------------------------------------------
  // Engine (order tracker): the rows that make up what an instance holds, read in the same moment as
  // `filledBy`, so an order's fills count once — in the ledger or as pending — never in both or neither.

  /**
   * What the instance holds per symbol from all its attributed fills (base, fees paid in the base
   * deducted), and the last rowid counted: the starting point for `heldRows`.
   */
  heldTotals(instanceId: string): { symbol: string; qty: number; rowid: number }[] {
    const rows = this.#stmt(
      `SELECT symbol, MAX(rowid) AS m, SUM(CASE side WHEN 'buy' THEN amount ELSE -amount END)
                - COALESCE(SUM((SELECT SUM(json_extract(j.value, '$.amount')) FROM json_each(fills.fees) j
                                 WHERE json_extract(j.value, '$.currency') = substr(fills.symbol, 1, instr(fills.symbol, '/') - 1))), 0) AS q
         FROM fills WHERE instance_id = ? GROUP BY symbol`,
    ).all(instanceId) as unknown as { symbol: string; m: number; q: number }[];
    return rows.map((r) => ({ symbol: r.symbol, qty: Number(r.q), rowid: Number(r.m) }));
  }

  /** The instance's attributed fills written after `afterRowid`, with their rowids. */
  heldRows(instanceId: string, afterRowid: number): HeldRow[] {
    // Only rows written since: a range on the rowid, not a walk of the instance's whole index.
    const sql = 'SELECT rowid, symbol, side, amount, fees FROM fills WHERE rowid > ? AND +instance_id = ?';
    const rows = this.#stmt(sql).all(afterRowid, instanceId) as unknown as {
      rowid: number;
      symbol: string;
      side: Side;
      amount: number;
      fees: string;
    }[];
    return rows.map((r) => ({
      rowid: Number(r.rowid),
      symbol: r.symbol,
      side: r.side,
      amount: r.amount,
      fees: JSON.parse(r.fees) as FeeLine[],
    }));
  }

  /** Base the ledger holds for one order's fills attributed to `instanceId` (what `heldBy` already counts). */
  filledBy(instanceId: string, exchange: string, account: string, symbol: string, orderId: string): number {
    const row = this.#stmt(
      'SELECT COALESCE(SUM(amount), 0) AS a FROM fills WHERE exchange = ? AND account = ? AND symbol = ? AND order_id = ? AND instance_id = ?',
    ).get(exchange, account, symbol, orderId, instanceId) as { a: number };
    return Number(row.a);
  }

  // ---- Reconciliation (issue 13): baselines and fill assignments ----
  // Kept apart from the numbered migrations (CREATE IF NOT EXISTS on first use) so this block and the
  // schema history can move independently; a later migration may adopt these tables as they are.

  #isReconcileReady = false;

  #reconcileTables(): void {
    if (this.#isReconcileReady) return;
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS reconcile_baselines (
        exchange TEXT NOT NULL, account TEXT NOT NULL, ts INTEGER NOT NULL,
        balances TEXT NOT NULL, positions TEXT NOT NULL, movement_ids TEXT NOT NULL, created_at INTEGER NOT NULL,
        PRIMARY KEY (exchange, account)
      );
      CREATE TABLE IF NOT EXISTS fill_assignments (
        exchange TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL, fill_id TEXT NOT NULL,
        instance_id TEXT, previous_instance_id TEXT, assigned_at INTEGER NOT NULL,
        PRIMARY KEY (exchange, account, symbol, fill_id)
      );
      -- An account's fills by time: the reconciliation window, and the check around each reading.
      CREATE INDEX IF NOT EXISTS fills_by_account_ts ON fills (exchange, account, ts);
    `);
    this.#isReconcileReady = true;
  }

  /** The balances and positions an account's reconciliation measures from, or null before the first one. */
  reconcileBaseline(exchange: string, account: string): ReconcileBaseline | null {
    this.#reconcileTables();
    const row = this.#stmt('SELECT ts, balances, positions, movement_ids FROM reconcile_baselines WHERE exchange = ? AND account = ?').get(
      exchange,
      account,
    ) as { ts: number; balances: string; positions: string; movement_ids: string } | undefined;
    if (!row) return null;
    return {
      exchange,
      account,
      ts: Number(row.ts),
      balances: JSON.parse(row.balances) as WalletBalance[],
      positions: JSON.parse(row.positions) as { symbol: string; qty: number }[],
      movementIds: JSON.parse(row.movement_ids) as string[],
    };
  }

  /** Records (or replaces) an account's baseline. */
  saveReconcileBaseline(baseline: ReconcileBaseline, now: number): void {
    this.#reconcileTables();
    this.#stmt(
      `INSERT INTO reconcile_baselines (exchange, account, ts, balances, positions, movement_ids, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (exchange, account) DO UPDATE SET ts = excluded.ts, balances = excluded.balances, positions = excluded.positions,
         movement_ids = excluded.movement_ids, created_at = excluded.created_at`,
    ).run(
      baseline.exchange,
      baseline.account,
      baseline.ts,
      JSON.stringify(baseline.balances),
      JSON.stringify(baseline.positions),
      JSON.stringify(baseline.movementIds),
      now,
    );
  }

  /**
   * Every fill of an account with `after < ts ≤ upTo`, in fold order, with who placed its order (the
   * journal) and what the trader assigned it to, if anything.
   */
  accountFills(exchange: string, account: string, after: number, upTo: number): AccountFill[] {
    this.#reconcileTables();
    const rows = this.#stmt(
      `SELECT f.*, o.instance_id AS placed_by, a.fill_id IS NOT NULL AS is_assigned, a.instance_id AS assigned_to
         FROM fills f
         LEFT JOIN orders o ON o.exchange = f.exchange AND o.account = f.account AND o.symbol = f.symbol AND o.order_id = f.order_id
         LEFT JOIN fill_assignments a ON a.exchange = f.exchange AND a.account = f.account AND a.symbol = f.symbol AND a.fill_id = f.id
        WHERE f.exchange = ? AND f.account = ? AND f.ts > ? AND f.ts <= ?
        ORDER BY f.ts, CAST(f.id AS INTEGER), f.id`,
    ).all(exchange, account, after, upTo) as unknown as (FillRow & {
      placed_by: string | null;
      is_assigned: number;
      assigned_to: string | null;
    })[];
    return rows.map(toAccountFill);
  }

  /**
   * An account's fills with `after < ts ≤ upTo`, summed per symbol, side and whether the app accounts
   * for them (an instance placed the order, the trader assigned it, or an observe instance in
   * `observers` owns it): what a reconciliation needs without holding every fill in memory.
   */
  accountFillSums(exchange: string, account: string, after: number, upTo: number, observers: readonly string[]): AccountFillSum[] {
    this.#reconcileTables();
    const rows = this.#stmt(
      `SELECT f.symbol AS symbol, f.side AS side, ${ACCOUNTED_SQL} AS accounted, SUM(f.amount) AS amount, SUM(f.cost) AS cost,
              SUM(COALESCE(f.exchange_realized, 0)) AS realized, COUNT(f.exchange_realized) AS reported, COUNT(*) AS n
         FROM fills f ${RECONCILE_JOINS}
        WHERE f.exchange = ? AND f.account = ? AND f.ts > ? AND f.ts <= ?
        GROUP BY f.symbol, f.side, accounted`,
    ).all(JSON.stringify(observers), exchange, account, after, upTo) as unknown as {
      symbol: string;
      side: Side;
      accounted: number;
      amount: number;
      cost: number;
      realized: number;
      reported: number;
      n: number;
    }[];
    return rows.map((r) => ({
      symbol: r.symbol,
      side: r.side,
      isAccounted: Number(r.accounted) === 1,
      amount: r.amount,
      cost: r.cost,
      exchangeRealized: r.realized,
      reportedCount: Number(r.reported),
      count: Number(r.n),
    }));
  }

  /** The same fills' fees, summed per symbol, currency and whether the app accounts for them (+ = paid). */
  accountFeeSums(
    exchange: string,
    account: string,
    after: number,
    upTo: number,
    observers: readonly string[],
  ): { symbol: string; currency: string; isAccounted: boolean; amount: number }[] {
    this.#reconcileTables();
    // A fill has one or two fee lines: reading them by position is several times faster than json_each
    // over every fill; the rare fill with more is read with json_each.
    const line = (k: number): string =>
      `SELECT f.symbol AS symbol, ${ACCOUNTED_SQL} AS accounted, json_extract(f.fees, '$[${k}].currency') AS currency,
              SUM(json_extract(f.fees, '$[${k}].amount')) AS amount
         FROM fills f ${RECONCILE_JOINS}
        WHERE f.exchange = ? AND f.account = ? AND f.ts > ? AND f.ts <= ? AND f.fees LIKE '${k === 0 ? '[{' : '%},{%'}%'
        GROUP BY f.symbol, accounted, currency`;
    const rest = `SELECT f.symbol AS symbol, ${ACCOUNTED_SQL} AS accounted, json_extract(j.value, '$.currency') AS currency,
              SUM(json_extract(j.value, '$.amount')) AS amount
         FROM fills f ${RECONCILE_JOINS} JOIN json_each(f.fees) j
        WHERE f.exchange = ? AND f.account = ? AND f.ts > ? AND f.ts <= ? AND f.fees LIKE '%},{%},{%' AND j.key >= 2
        GROUP BY f.symbol, accounted, currency`;
    const totals = new Map<string, { symbol: string; currency: string; isAccounted: boolean; amount: number }>();
    for (const sql of [line(0), line(1), rest]) {
      const rows = this.#stmt(sql).all(JSON.stringify(observers), exchange, account, after, upTo) as unknown as {
        symbol: string;
        accounted: number;
        currency: string | null;
        amount: number | null;
      }[];
      for (const r of rows) {
        if (r.currency === null || r.amount === null) continue;
        const isAccounted = Number(r.accounted) === 1;
        const key = `${r.symbol}|${r.currency}|${isAccounted}`;
        const t = totals.get(key) ?? { symbol: r.symbol, currency: r.currency, isAccounted, amount: 0 };
        t.amount += r.amount;
        totals.set(key, t);
      }
    }
    return [...totals.values()];
  }

  /** The fills of an account with `after < ts ≤ upTo` the app does not account for (see `accountFillSums`), in fold order. */
  unaccountedFills(exchange: string, account: string, after: number, upTo: number, observers: readonly string[]): AccountFill[] {
    this.#reconcileTables();
    const rows = this.#stmt(
      `SELECT f.*, o.instance_id AS placed_by, a.fill_id IS NOT NULL AS is_assigned, a.instance_id AS assigned_to
         FROM fills f ${RECONCILE_JOINS}
        WHERE f.exchange = ? AND f.account = ? AND f.ts > ? AND f.ts <= ? AND NOT ${ACCOUNTED_SQL}
        ORDER BY f.ts, CAST(f.id AS INTEGER), f.id`,
    ).all(exchange, account, after, upTo, JSON.stringify(observers)) as unknown as (FillRow & {
      placed_by: string | null;
      is_assigned: number;
      assigned_to: string | null;
    })[];
    return rows.map(toAccountFill);
  }

  /** One fill of an account, as `accountFills` gives it, or null. */
  accountFill(exchange: string, account: string, symbol: string, id: string): AccountFill | null {
    this.#reconcileTables();
    const row = this.#stmt(
      `SELECT f.*, o.instance_id AS placed_by, a.fill_id IS NOT NULL AS is_assigned, a.instance_id AS assigned_to
         FROM fills f
         LEFT JOIN orders o ON o.exchange = f.exchange AND o.account = f.account AND o.symbol = f.symbol AND o.order_id = f.order_id
         LEFT JOIN fill_assignments a ON a.exchange = f.exchange AND a.account = f.account AND a.symbol = f.symbol AND a.fill_id = f.id
        WHERE f.exchange = ? AND f.account = ? AND f.symbol = ? AND f.id = ?`,
    ).get(exchange, account, symbol, id) as
      (FillRow & { placed_by: string | null; is_assigned: number; assigned_to: string | null }) | undefined;
    return row ? toAccountFill(row) : null;
  }

  /** Funding payments of an account with `after < ts ≤ upTo` (split payments as their parts). */
  accountFunding(exchange: string, account: string, after: number, upTo: number): (FundingEvent & { instanceId: string | null })[] {
    const rows = this.#stmt(
      'SELECT id, symbol, amount, currency, ts, instance_id FROM funding WHERE exchange = ? AND account = ? AND ts > ? AND ts <= ? ORDER BY ts, id',
    ).all(exchange, account, after, upTo) as unknown as {
      id: string;
      symbol: string;
      amount: number;
      currency: string;
      ts: number;
      instance_id: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      symbol: r.symbol,
      amount: r.amount,
      currency: r.currency,
      timestamp: Number(r.ts),
      instanceId: r.instance_id,
    }));
  }

  /**
   * The trader's word on a fill no instance placed: it belongs to `instanceId`, or (null) to no
   * instance ("outside"). The fill moves to that instance in the same transaction, so both the
   * instance it left and the one it joined must refold. Null when the ledger has no such fill.
   */
  assignFill(
    entry: { exchange: string; account: string; symbol: string; fillId: string; instanceId: string | null },
    now: number,
  ): { previous: string | null; next: string | null } | null {
    this.#reconcileTables();
    return this.transaction(() => {
      const row = this.#stmt('SELECT instance_id FROM fills WHERE exchange = ? AND account = ? AND symbol = ? AND id = ?').get(
        entry.exchange,
        entry.account,
        entry.symbol,
        entry.fillId,
      ) as { instance_id: string | null } | undefined;
      if (!row) return null;
      this.#stmt(
        `INSERT INTO fill_assignments (exchange, account, symbol, fill_id, instance_id, previous_instance_id, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (exchange, account, symbol, fill_id) DO UPDATE SET instance_id = excluded.instance_id, assigned_at = excluded.assigned_at`,
      ).run(entry.exchange, entry.account, entry.symbol, entry.fillId, entry.instanceId, row.instance_id, now);
      this.#stmt('UPDATE fills SET instance_id = ? WHERE exchange = ? AND account = ? AND symbol = ? AND id = ?').run(
        entry.instanceId,
        entry.exchange,
        entry.account,
        entry.symbol,
        entry.fillId,
      );
      return { previous: row.instance_id, next: entry.instanceId };
    });
  }

  // ---- end of reconciliation ----

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** A `fills` row as SQLite returns it. */
export interface FillRow {
  exchange: string;
  account: string;
  symbol: string;
  id: string;
  instance_id: string | null;
  order_id: string | null;
  side: Side;
  price: number;
  amount: number;
  cost: number;
  fees: string;
  ts: number;
  is_maker: number | null;
  exchange_realized: number | null;
}

/** Rows per page of a fold read: large enough that the per-call cost vanishes, small enough to hold. */
export const FOLD_PAGE = 4096;
/** How much of the ledger file is read through a memory map (the rest by read()). */
const MMAP_BYTES = 256 * 1024 * 1024;
const FOLD_COLUMNS = 'id, symbol, side, price, amount, cost, fees, ts';
const FOLD_PAGE_SQL = `AND (ts, id) >= (?, ?) ORDER BY ts, id LIMIT ${FOLD_PAGE}`;
const FOLD_ROWS_SQL = `SELECT ${FOLD_COLUMNS} FROM fills WHERE instance_id = ? ${FOLD_PAGE_SQL}`;
const FILL_ROWS_SQL = `SELECT ${FOLD_COLUMNS}, order_id, is_maker, exchange_realized FROM fills WHERE instance_id = ? ${FOLD_PAGE_SQL}`;
const FOLD_SYMBOL_ROWS_SQL = `SELECT ${FOLD_COLUMNS} FROM fills WHERE instance_id = ? AND symbol = ? ${FOLD_PAGE_SQL}`;

type FoldRow = [string, string, Side, number, number, number, string, number, (string | null)?, (number | null)?, (number | null)?];

/**
 * Fee lines as stored. Nearly every fill pays one fee in one currency: that shape is read directly,
 * anything else (several lines, a priced third asset) goes through JSON.parse.
 */
function parseFees(text: string): FeeLine[] {
  // By hand, not by a regular expression: this runs once per fill of a full recompute (a regex cost 160 ms at 1 M).
  if (text.startsWith(FEE_HEAD) && text.endsWith(FEE_TAIL)) {
    const mid = text.indexOf(FEE_MID, FEE_HEAD.length);
    if (mid > 0) {
      const currency = text.slice(FEE_HEAD.length, mid);
      // Anything else (an escape in the code, a second line, a quote value) leaves a number that is not one.
      const amountText = text.slice(mid + FEE_MID.length, text.length - FEE_TAIL.length);
      const amount = amountText.length > 0 && !currency.includes('\\') && !currency.includes('"') ? Number(amountText) : NaN;
      if (Number.isFinite(amount)) return [{ currency, amount }];
    }
  }
  return JSON.parse(text) as FeeLine[];
}

const FEE_HEAD = '[{"currency":"';
const FEE_MID = '","amount":';
const FEE_TAIL = '}]';

function rowToFill(r: FillRow): StoredFill {
  return {
    id: r.id,
    orderId: r.order_id,
    symbol: r.symbol,
    side: r.side,
    price: r.price,
    amount: r.amount,
    cost: r.cost,
    fees: JSON.parse(r.fees) as FeeLine[],
    timestamp: Number(r.ts),
    isMaker: r.is_maker === null ? null : r.is_maker === 1,
    instanceId: r.instance_id,
    ...(r.exchange_realized !== null && r.exchange_realized !== undefined ? { exchangeRealizedPnl: r.exchange_realized } : {}),
  };
}

// ---- Reconciliation (issue 13) ----

/** What an account's reconciliation measures from: the exchange's balances and positions at `ts`. */
export interface ReconcileBaseline {
  exchange: string;
  account: string;
  /** Milliseconds since epoch: fills, funding and movements after this are measured against it. */
  ts: number;
  balances: WalletBalance[];
  /** Signed base per perpetual symbol. */
  positions: { symbol: string; qty: number }[];
  /** Movements near `ts` already in these balances (exchanges stamp some to the second, so time alone cannot tell). */
  movementIds: string[];
}

/** A fill of an account with who placed it (the order journal) and the trader's assignment. */
export interface AccountFill extends StoredFill {
  /** The instance whose order this fill filled, or null (no instance placed it). */
  placedBy: string | null;
  /** The trader's assignment: to an instance, or `instanceId: null` = outside; null when never assigned. */
  assignment: { instanceId: string | null } | null;
}

const RECONCILE_JOINS = `LEFT JOIN orders o ON o.exchange = f.exchange AND o.account = f.account AND o.symbol = f.symbol AND o.order_id = f.order_id
  LEFT JOIN fill_assignments a ON a.exchange = f.exchange AND a.account = f.account AND a.symbol = f.symbol AND a.fill_id = f.id`;
/** Placed by an instance, assigned by the trader, or owned by an observe instance (the one parameter: their ids as JSON). */
const ACCOUNTED_SQL = `(a.fill_id IS NOT NULL OR o.instance_id IS NOT NULL OR f.instance_id IN (SELECT value FROM json_each(?)))`;

/** An account's fills summed for reconciliation (base, quote, the exchange's realized PnL). */
export interface AccountFillSum {
  symbol: string;
  side: Side;
  isAccounted: boolean;
  /** Base. */
  amount: number;
  /** Quote. */
  cost: number;
  /** Σ of the exchange's per-fill realized PnL where it reported one, settlement currency. */
  exchangeRealized: number;
  /** How many of the fills carry the exchange's realized PnL. */
  reportedCount: number;
  count: number;
}

function toAccountFill(r: FillRow & { placed_by: string | null; is_assigned: number; assigned_to: string | null }): AccountFill {
  return { ...rowToFill(r), placedBy: r.placed_by, assignment: Number(r.is_assigned) === 1 ? { instanceId: r.assigned_to } : null };
}
