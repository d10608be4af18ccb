import { describe, expect, it } from 'vitest';
import { isCommandName, parseCommand } from './contract.ts';

describe('command contract', () => {
  it('accepts well-formed commands', () => {
    expect(parseCommand('strategy/pause', { id: 'mm-btc', reason: 'news' })).toEqual({ ok: true, value: { id: 'mm-btc', reason: 'news' } });
    expect(parseCommand('portfolio/rebalance', { dryRun: true })).toEqual({ ok: true, value: { dryRun: true } });
  });

  it.each([
    ['strategy/pause', {}, /id/],
    ['strategy/pause', { id: '' }, /id/],
    ['strategy/pause', { id: '../../etc' }, /id/],
    ['strategy/pause', { id: 'x', extra: 1 }, /unrecognized|extra/i],
    ['portfolio/rebalance', {}, /dryRun/],
    ['portfolio/rebalance', { dryRun: 'yes' }, /dryRun/],
    ['portfolio/rebalance', { dryRun: false, policy: 'yolo' }, /policy/],
    ['instance/start', { id: 42 }, /id/],
    ['strategy/resume', { id: 'x', reason: 'r'.repeat(501) }, /reason/],
  ] as const)('rejects %s %j with a clear bad_request', (name, input, message) => {
    const result = parseCommand(name, input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('bad_request');
      expect(result.error.message).toMatch(message);
    }
  });

  it('knows only its own command names', () => {
    expect(isCommandName('strategy/pause')).toBe(true);
    expect(isCommandName('constructor')).toBe(false);
    expect(isCommandName('__proto__')).toBe(false);
    expect(isCommandName(undefined)).toBe(false);
  });
});
