/**
 * The money property over a shared account (DESIGN.md, "Money"): spot and a perpetual, fees in quote,
 * in base and in a third asset, funding payments, and instances joining and leaving the shared symbols
 * while payments are re-read (the sync's overlap). Whatever the sequence, the instances' total PnL adds
 * up to the account's equity change at common marks, and their funding to what the exchange paid.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fill, FundingEvent } from '../exchange/types.ts';
import { Ledger } from '../ledger/ledger.ts';
import { InstanceFold } from '../metrics/instanceFold.ts';
import { toMetrics } from '../metrics/pnl.ts';
import { attributePayment } from './portfolioSync.ts';

const SPOT = 'BTC/USDT';
const PERP = 'BTC/USDT:USDT';
const IDS = ['X', 'Y', 'Z'] as const;

const step = fc.oneof(
  fc.record({
    kind: fc.constant('fill' as const),
    who: fc.integer({ min: 0, max: 2 }),
    isPerp: fc.boolean(),
    isBuy: fc.boolean(),
    amount: fc.double({ min: 0.001, max: 2, noNaN: true }),
    price: fc.double({ min: 50, max: 150, noNaN: true }),
    fee: fc.constantFrom('quote', 'base', 'third', 'none'),
    feeRate: fc.double({ min: -0.0002, max: 0.002, noNaN: true }),
    thirdPrice: fc.double({ min: 100, max: 900, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('funding' as const), amount: fc.double({ min: -5, max: 5, noNaN: true }) }),
  fc.record({ kind: fc.constant('toggle' as const), who: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('reread' as const), back: fc.integer({ min: 0, max: 4 }) }),
);

describe('money over instances sharing an account', () => {
  it('total PnL over instances = equity change at common marks; funding over instances = what the exchange paid', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 60 }),
        fc.double({ min: 50, max: 150, noNaN: true }),
        fc.double({ min: 50, max: 150, noNaN: true }),
        (steps, spotMark, perpMark) => {
          const ledger = new Ledger(':memory:');
          const present = new Set<string>(['X']);
          const payments: FundingEvent[] = [];
          let quote = 0;
          const base = { [SPOT]: 0, [PERP]: 0 };
          let paid = 0;
          let t = 1_000;
          /** The sync's attribution of one payment with today's membership (as a re-read after a join or leave does). */
          const attribute = (event: FundingEvent) => {
            const ids = new Set([...present, ...ledger.fundingHolders('binance', 'x', PERP, event.id)]);
            const positions = [...ids].sort().map((id) => ({ id, qty: ledger.positionAt(id, PERP, event.timestamp) }));
            const events = attributePayment(event, positions, positions[0]?.id ?? 'X');
            ledger.attributeFunding({ exchange: 'binance', account: 'x', events, cursor: null }, t);
          };
          for (const s of steps) {
            t += 1;
            if (s.kind === 'toggle') {
              const id = IDS[s.who] as string;
              if (present.has(id) && present.size > 1) present.delete(id);
              else present.add(id);
            } else if (s.kind === 'funding') {
              const event = { id: String(t), symbol: PERP, amount: s.amount, currency: 'USDT', timestamp: t };
              payments.push(event);
              paid += s.amount;
              quote += s.amount;
              attribute(event);
            } else if (s.kind === 'reread') {
              const event = payments[payments.length - 1 - s.back];
              if (event) attribute(event);
            } else {
              const who = IDS[s.who] as string;
              if (!present.has(who)) continue;
              const symbol = s.isPerp ? PERP : SPOT;
              const sign = s.isBuy ? 1 : -1;
              const fees: Fill['fees'] = [];
              quote -= sign * s.amount * s.price;
              base[symbol] += sign * s.amount;
              if (s.fee === 'quote') {
                fees.push({ currency: 'USDT', amount: s.amount * s.price * s.feeRate });
                quote -= s.amount * s.price * s.feeRate;
              } else if (s.fee === 'base' && !s.isPerp && s.isBuy) {
                fees.push({ currency: 'BTC', amount: s.amount * s.feeRate });
                base[symbol] -= s.amount * s.feeRate;
              } else if (s.fee === 'third') {
                // BNB valued at its price at the fill (what the sync stores with the fill).
                const bnb = (s.amount * s.price * s.feeRate) / s.thirdPrice;
                fees.push({ currency: 'BNB', amount: bnb, quoteValue: bnb * s.thirdPrice });
                quote -= bnb * s.thirdPrice;
              }
              const fill: Fill = {
                id: String(t),
                orderId: null,
                symbol,
                side: s.isBuy ? 'buy' : 'sell',
                price: s.price,
                amount: s.amount,
                cost: s.amount * s.price,
                fees,
                timestamp: t,
                isMaker: true,
              };
              ledger.appendFills({ exchange: 'binance', account: 'x', fills: [{ fill, instanceId: who }], cursor: null }, t);
            }
          }
          const marks = new Map([
            [SPOT, spotMark],
            [PERP, perpMark],
          ]);
          let total = 0;
          let funding = 0;
          for (const id of IDS) {
            const book = new InstanceFold('USDT', 4);
            book.recompute({
              eachFill: (fn) => ledger.eachFill(id, fn),
              eachFillOfSymbol: (symbol, from, fn) => ledger.eachFillOfSymbol(id, symbol, from, fn),
            });
            book.funding = ledger.fundingTotal(id);
            funding += book.funding;
            total += toMetrics(book.state, marks, false).totalPnl;
          }
          ledger.close();
          const equityChange = quote + base[SPOT] * spotMark + base[PERP] * perpMark;
          expect(funding).toBeCloseTo(paid, 6);
          expect(total).toBeCloseTo(equityChange, 4);
        },
      ),
      { numRuns: 150, seed: 20261204 },
    );
  });
});
