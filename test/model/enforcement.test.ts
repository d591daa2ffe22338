import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, enforcementState, isReviewOverdue } from '../../src/model/enforcement';

const customer = (mode?: 'audit' | 'enforce') => ({ enforcement: { onboardedAt: '2026-09-01', softDays: 30, ...(mode ? { mode } : {}) } });

describe('enforcement flip', () => {
  it('audits the day before the flip date', () => {
    assert.deepEqual(enforcementState(customer(), new Date('2026-09-30T23:59:59Z')), { mode: 'audit', flipDate: '2026-10-01', source: 'soft-period' });
  });
  it('enforces from 00:00 UTC on the flip date', () => {
    assert.deepEqual(enforcementState(customer(), new Date('2026-10-01T00:00:00Z')), { mode: 'enforce', flipDate: '2026-10-01', source: 'flipped' });
  });
  it('enforces the day after', () => {
    assert.equal(enforcementState(customer(), new Date('2026-10-02T12:00:00Z')).mode, 'enforce');
  });
  it('lets an explicit mode win in both directions', () => {
    assert.deepEqual(enforcementState(customer('enforce'), new Date('2026-09-02T00:00:00Z')), { mode: 'enforce', flipDate: '2026-10-01', source: 'override' });
    assert.equal(enforcementState(customer('audit'), new Date('2027-01-01T00:00:00Z')).mode, 'audit');
  });
  it('adds days across month and leap-year boundaries', () => {
    assert.equal(addDays('2028-02-28', 1), '2028-02-29');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  });
  it('flags an allowlist entry on its review due date', () => {
    const entry = { lastReviewed: '2026-09-01', reviewIntervalDays: 30 };
    assert.equal(isReviewOverdue(entry, new Date('2026-09-30T23:59:59Z')), false);
    assert.equal(isReviewOverdue(entry, new Date('2026-10-01T00:00:00Z')), true);
  });
});
