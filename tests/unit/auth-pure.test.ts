import { describe, it, expect } from 'vitest';
import { hashPassword, verifyPassword, generatePassword } from '../../src/auth/passwords.js';
import { LoginLimiter } from '../../src/auth/login-limiter.js';
import { parseToken } from '../../src/auth/token-service.js';
import { normaliseSetupCode } from '../../src/auth/setup-service.js';
import { safeNext } from '../../src/http/ui/auth-pages.js';
import { key, pad, prefixRange, timeKey } from '../../src/store/keys.js';
import { roleAtLeast, scopeToRole } from '../../src/core/roles.js';
import { ManualClock } from '../helpers/app.js';
import { describeSchedule } from '../../src/jobs/describe-schedule.js';
import { formatAuditDetails } from '../../src/http/ui/format.js';

describe('passwords', () => {
  it('hashes with scrypt and a salt, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });
  it('generates readable random passwords', () => {
    const p = generatePassword();
    expect(p).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    expect(generatePassword()).not.toBe(p);
  });
});

describe('LoginLimiter', () => {
  it('locks a user after consecutive failures and lifts the lock after the lockout', () => {
    const clock = new ManualClock();
    const l = new LoginLimiter({
      maxFailures: 3,
      lockoutMs: 60_000,
      attemptsPerMinute: 100,
      clock,
    });
    for (let i = 0; i < 2; i++) {
      expect(l.check('Bob', 'a').retryAfterS).toBe(0);
      expect(l.failure('bob', 'a')).toBe(false);
    }
    expect(l.failure('BOB', 'a')).toBe(true);
    expect(l.check('bob', 'a')).toMatchObject({ reason: 'locked', retryAfterS: 60 });
    // the lockout is per address: the same user from elsewhere may still try
    expect(l.check('bob', 'b').retryAfterS).toBe(0);
    clock.advance(60_001);
    expect(l.check('bob', 'a').retryAfterS).toBe(0);
  });
  it('caps attempts per address per minute, whatever the user name', () => {
    const clock = new ManualClock();
    const l = new LoginLimiter({ maxFailures: 100, lockoutMs: 1, attemptsPerMinute: 3, clock });
    for (let i = 0; i < 3; i++) expect(l.check(`u${i}`, '10.0.0.9').retryAfterS).toBe(0);
    expect(l.check('other', '10.0.0.9').reason).toBe('rate');
    expect(l.check('other', '10.0.0.10').retryAfterS).toBe(0);
    clock.advance(60_000);
    expect(l.check('other', '10.0.0.9').retryAfterS).toBe(0);
  });
  it('stays bounded under a flood of names', () => {
    const l = new LoginLimiter({
      maxFailures: 5,
      lockoutMs: 1,
      attemptsPerMinute: 1e6,
      clock: new ManualClock(),
      maxEntries: 100,
    });
    l.failure('locked', 'x');
    for (let i = 0; i < 4; i++) l.failure('locked', 'x');
    for (let i = 0; i < 1000; i++) l.failure(`user${i}`, 'x');
    // a lockout in force is never evicted by a flood of other names
    expect(l.check('locked', 'x').reason).toBe('locked');
    expect((l as unknown as { users: Map<string, unknown> }).users.size).toBeLessThanOrEqual(100);
  });
});

describe('token and code parsing', () => {
  it('parses only well-formed tokens', () => {
    expect(parseToken('ct_abcdefgh.' + 'x'.repeat(43))).toEqual({
      id: 'abcdefgh',
      secret: 'x'.repeat(43),
    });
    expect(parseToken('abcdefgh.' + 'x'.repeat(43))).toBeUndefined();
    expect(parseToken('ct_abc')).toBeUndefined();
    expect(parseToken('ct_ab$d.' + 'x'.repeat(43))).toBeUndefined();
    expect(parseToken('ct_abcd.' + 'x'.repeat(500))).toBeUndefined();
  });
  it('accepts setup codes typed with spaces, dashes or lower case', () => {
    expect(normaliseSetupCode(' abcd-efgh jkmn-PQRS ')).toBe('ABCDEFGHJKMNPQRS');
  });
  it('follows only local paths after login', () => {
    expect(safeNext('/settings/users')).toBe('/settings/users');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext(undefined)).toBe('/');
  });
});

describe('keys and roles', () => {
  it('builds keys that sort correctly', () => {
    expect(pad(42, 6)).toBe('000042');
    expect(() => pad(-1)).toThrow();
    expect(key('a', 'b')).toBe('a!b');
    expect(() => key('a!b')).toThrow(/may not contain/);
    const r = prefixRange('job');
    expect('job!2026' > r.gt && 'job!2026' < r.lt).toBe(true);
    expect('jobs!2026' > r.gt && 'jobs!2026' < r.lt).toBe(false);
    const t = Date.parse('2026-01-01T00:00:00Z');
    const k1 = timeKey(t);
    const k2 = timeKey(t);
    const k3 = timeKey(t + 1);
    expect(k1 < k2 && k2 < k3).toBe(true);
    // a clock stepping backwards neither reorders nor collides
    const k4 = timeKey(t + 60_000);
    const k5 = timeKey(t);
    expect(k5 > k4).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => timeKey(t))).size).toBe(1000);
  });
  it('orders roles and maps scopes', () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    expect(scopeToRole('read')).toBe('viewer');
    expect(scopeToRole('operate')).toBe('operator');
  });
});

describe('describeSchedule', () => {
  it('puts the job table’s schedules into words and leaves others alone', () => {
    expect(describeSchedule('7,22,37,52 * * * *')).toBe('every 15 minutes');
    expect(describeSchedule('*/5 * * * *')).toBe('every 5 minutes');
    expect(describeSchedule('* * * * *')).toBe('every minute');
    expect(describeSchedule('30 3 * * *')).toBe('daily at 03:30');
    expect(describeSchedule('12 * * * *')).toBe('hourly at minute 12');
    expect(describeSchedule('0,10,40 * * * *')).toBe('0,10,40 * * * *');
    expect(describeSchedule('0 3 * * 1')).toBe('0 3 * * 1');
    expect(describeSchedule('nonsense')).toBe('nonsense');
  });
});

describe('formatAuditDetails', () => {
  it('shows changes as from → to and plain values as they are', () => {
    expect(
      formatAuditDetails({
        role: { from: 'viewer', to: 'admin' },
        name: 'HQ',
        disabled: { from: false, to: true },
        location: { from: '', to: 'Graz' },
      }),
    ).toBe('role: viewer → admin; name: HQ; disabled: false → true; location: (empty) → Graz');
    expect(formatAuditDetails({})).toBeUndefined();
    expect(formatAuditDetails(undefined)).toBeUndefined();
  });
});
