import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { hashPassword } from '@platform/auth';
import { DEMO_PASSWORD, demoId } from '@platform/demo-data';
import { codesOf, graphql, LOGIN, login, startOwnPlatform, type OwnPlatform } from '@platform/testing';

/**
 * Login hardening: no user enumeration, lockout per email with growing periods, throttling per
 * address, the password policy, changing and resetting a password. On a platform of this file's
 * own: its login counters must not reach other spec files.
 */

let platform: OwnPlatform;
let admin: pg.Client;
let gateway: string;

beforeAll(async () => {
  platform = await startOwnPlatform(inject('clusterAdminUrl'), 'login_spec');
  gateway = platform.a.gatewayUrl;
  admin = platform.admin;
  // This spec signs up dozens of users at Spirit (a boutique of 25 seats).
  await admin.query(`UPDATE accounts SET seat_limit = 1000 WHERE id = (SELECT account_id FROM publishers WHERE slug = 'spirit')`);
});

afterAll(async () => {
  await platform?.stop();
});

/** A user of Spirit that only this spec signs in as. */
async function createUser(email: string, password = DEMO_PASSWORD): Promise<string> {
  const id = demoId(`spec-user:${email}`);
  await admin.query(`INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, 'Spec User', $3)`, [
    id,
    email,
    await hashPassword(password),
  ]);
  await admin.query(`INSERT INTO user_publishers (publisher_id, user_id) VALUES ($1, $2)`, [demoId('publisher:spirit'), id]);
  await admin.query(
    `INSERT INTO membership_roles (publisher_id, user_id, role_id) SELECT $1, $2, id FROM roles WHERE publisher_id = $1 AND key = 'viewer'`,
    [demoId('publisher:spirit'), id],
  );
  return id;
}

/** Signs in from a given client address (the gateway trusts X-Forwarded-For from loopback). */
function attempt(email: string, password: string, address = '198.51.100.1', url = gateway) {
  return graphql(url, LOGIN, { input: { email, password } }, { headers: { 'x-forwarded-for': address } });
}

function reasonOf(response: Awaited<ReturnType<typeof graphql>>): unknown {
  return response.errors?.[0]?.extensions?.reason;
}

/** When the email's current lockout ends, in seconds from now, read from the shared counters. */
async function lockoutSecondsLeft(email: string): Promise<number> {
  const key = `login-email:${createHash('sha256').update(email).digest('base64url')}`;
  const { rows } = await admin.query(`SELECT expire FROM rate_limits WHERE key = $1`, [key]);
  return Math.round((Number(rows[0].expire) - Date.now()) / 1000);
}

describe('failed logins', () => {
  it('answer an unknown email exactly as a wrong password, in about the same time', async () => {
    await createUser('timing@spirit.demo');
    const timed = async (email: string, password: string) => {
      const started = performance.now();
      const response = await attempt(email, password, '198.51.100.2');
      return { ms: performance.now() - started, message: response.errors?.[0]?.message, code: codesOf(response)[0] };
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const a = await timed('timing@spirit.demo', `wrong password ${i}`);
      // Five failures in a row would lock the email; a success in between resets the count.
      if (i === 3) expect((await attempt('timing@spirit.demo', DEMO_PASSWORD, '198.51.100.2')).errors).toBeUndefined();
      const b = await timed(`nobody-${i}@spirit.demo`, `wrong password ${i}`);
      expect(b).toMatchObject({ message: a.message, code: 'UNAUTHENTICATED' });
      wrong.push(a.ms);
      unknown.push(b.ms);
    }
    // The fastest of each series is its intrinsic cost: other spec files running beside this one
    // only ever add time. Both paths spend one argon2 verification; without the decoy hash an
    // unknown email answers several times faster.
    const ratio = Math.min(...unknown) / Math.min(...wrong);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.67);
  });

  it('lock an email after five in a row, for every instance, even against the right password', async () => {
    const id = await createUser('lockme@spirit.demo');
    for (let i = 0; i < 5; i += 1) expect(reasonOf(await attempt('lockme@spirit.demo', 'wrong password!'))).toBeUndefined();
    const locked = await attempt('lockme@spirit.demo', DEMO_PASSWORD);
    expect(codesOf(locked)).toEqual(['UNAUTHENTICATED']);
    expect(reasonOf(locked)).toBe('LOCKED_OUT');
    expect(reasonOf(await attempt('lockme@spirit.demo', DEMO_PASSWORD, '198.51.100.99', platform.b.gatewayUrl))).toBe('LOCKED_OUT');
    // Reported in the person's publisher, for its admins (written within a moment).
    await expect
      .poll(async () => {
        const { rows } = await admin.query(
          `SELECT DISTINCT publisher_id FROM security_events WHERE kind = 'login.locked_out' AND user_id = $1`,
          [id],
        );
        return rows.map((r) => r.publisher_id);
      })
      .toEqual([demoId('publisher:spirit')]);
  });

  it('lock unknown emails the same way, so a lockout reveals nothing', async () => {
    for (let i = 0; i < 5; i += 1) await attempt('ghost@spirit.demo', 'wrong password!');
    expect(reasonOf(await attempt('ghost@spirit.demo', 'wrong password!'))).toBe('LOCKED_OUT');
  });

  it('lock for a growing period: fifteen minutes, then thirty', async () => {
    await createUser('grows@spirit.demo');
    for (let i = 0; i < 5; i += 1) await attempt('grows@spirit.demo', 'wrong password!');
    expect(await lockoutSecondsLeft('grows@spirit.demo')).toBeGreaterThan(14 * 60);
    expect(await lockoutSecondsLeft('grows@spirit.demo')).toBeLessThanOrEqual(15 * 60);
    // Let the first lockout run out, then fail five times again.
    const key = `login-email:${createHash('sha256').update('grows@spirit.demo').digest('base64url')}`;
    await admin.query(`UPDATE rate_limits SET expire = $2 WHERE key = $1`, [key, Date.now() - 1]);
    expect((await attempt('grows@spirit.demo', DEMO_PASSWORD)).errors).toBeUndefined();
    for (let i = 0; i < 5; i += 1) await attempt('grows@spirit.demo', 'wrong password!');
    expect(await lockoutSecondsLeft('grows@spirit.demo')).toBeGreaterThan(29 * 60);
  });

  it('from one address across many accounts are throttled, and only that address is', async () => {
    const address = '203.0.113.7';
    for (let i = 0; i < 30; i += 1) await attempt(`spray-${i}@spirit.demo`, 'Winter2026!', address);
    const throttled = await attempt('owner@spirit.demo', DEMO_PASSWORD, address);
    expect(codesOf(throttled)).toEqual(['UNAUTHENTICATED']);
    expect(reasonOf(throttled)).toBe('THROTTLED');
    expect((await attempt('owner@spirit.demo', DEMO_PASSWORD, '203.0.113.8')).errors).toBeUndefined();
  });
});

describe('failed logins arriving together', () => {
  const WRONG = 'Email or password is incorrect';
  const evaluatedFailures = (responses: Awaited<ReturnType<typeof attempt>>[]) =>
    responses.filter((r) => r.errors?.[0]?.message === WRONG).length;

  it('evaluate at most five wrong passwords of one email, and then refuse even the right one', async () => {
    const id = await createUser('burst@spirit.demo');
    const passwords = Array.from({ length: 25 }, (_, i) => (i === 12 ? DEMO_PASSWORD : `wrong guess ${i}`));
    const responses = await Promise.all(passwords.map((password) => attempt('burst@spirit.demo', password, '198.51.100.30')));
    expect(evaluatedFailures(responses)).toBeLessThanOrEqual(5);
    const refused = responses.filter((r) => reasonOf(r) === 'LOCKED_OUT').length;
    const signedIn = responses.filter((r) => r.data?.login).length;
    expect(evaluatedFailures(responses) + refused + signedIn).toBe(25);
    // Each evaluated failure is reported once (written within a moment).
    await expect
      .poll(async () => {
        const { rows } = await admin.query(
          `SELECT coalesce(sum(occurrences), 0)::int AS n FROM security_events WHERE kind = 'login.failed' AND user_id = $1`,
          [id],
        );
        return rows[0].n;
      })
      .toBe(evaluatedFailures(responses));
  });

  it('evaluate at most thirty failures from one address across accounts', async () => {
    const responses = await Promise.all(
      Array.from({ length: 45 }, (_, i) => attempt(`burst-spray-${i}@spirit.demo`, 'Spring2026!', '203.0.113.40')),
    );
    expect(evaluatedFailures(responses)).toBeLessThanOrEqual(30);
    expect(responses.filter((r) => reasonOf(r) === 'THROTTLED').length).toBeGreaterThanOrEqual(15);
  });
});

describe('every password check', () => {
  it('counts toward the same lockout: wrong current passwords in changePassword lock sign-in too', async () => {
    await createUser('guessed@spirit.demo');
    const session = await login(gateway, 'guessed@spirit.demo', DEMO_PASSWORD);
    const change = `mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`;
    const tries = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        graphql(
          gateway,
          change,
          { i: { currentPassword: `guess number ${i}`, newPassword: 'a-long-new-password' } },
          { token: session.token },
        ),
      ),
    );
    expect(tries.filter((r) => r.errors?.[0]?.extensions?.field === 'currentPassword').length).toBeLessThanOrEqual(5);
    expect(reasonOf(await attempt('guessed@spirit.demo', DEMO_PASSWORD, '198.51.100.31'))).toBe('LOCKED_OUT');
    const right = await graphql(
      gateway,
      change,
      { i: { currentPassword: DEMO_PASSWORD, newPassword: 'a-long-new-password' } },
      { token: session.token },
    );
    expect(reasonOf(right)).toBe('LOCKED_OUT');
  });
});

describe('changePassword', () => {
  it('re-checks the current password and names the rule a new one breaks', async () => {
    await createUser('changer@spirit.demo');
    const session = await login(gateway, 'changer@spirit.demo', DEMO_PASSWORD);
    const change = `mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`;
    const wrongCurrent = await graphql(
      gateway,
      change,
      { i: { currentPassword: 'not it at all', newPassword: 'a-long-new-password' } },
      { token: session.token },
    );
    expect(wrongCurrent.errors![0]).toMatchObject({
      message: 'The current password is not correct',
      extensions: { code: 'BAD_USER_INPUT', field: 'currentPassword' },
    });
    const tooShort = await graphql(
      gateway,
      change,
      { i: { currentPassword: DEMO_PASSWORD, newPassword: 'short' } },
      { token: session.token },
    );
    expect(tooShort.errors![0]).toMatchObject({
      message: 'The password must be at least 12 characters long',
      extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' },
    });
    expect((await login(gateway, 'changer@spirit.demo', DEMO_PASSWORD)).token).toBeTruthy();
  });

  it('sets the new password and ends every other session', async () => {
    await createUser('mover@spirit.demo');
    const here = await login(gateway, 'mover@spirit.demo', DEMO_PASSWORD);
    const elsewhere = await login(platform.b.gatewayUrl, 'mover@spirit.demo', DEMO_PASSWORD);
    const changed = await graphql(
      gateway,
      `mutation { changePassword(input: { currentPassword: "${DEMO_PASSWORD}", newPassword: "an entirely new passphrase" }) }`,
      {},
      { token: here.token },
    );
    expect(changed.data.changePassword).toBe(true);
    expect(
      (
        await graphql(
          gateway,
          `
            {
              me {
                id
              }
            }
          `,
          {},
          { token: here.token },
        )
      ).errors,
    ).toBeUndefined();
    expect(
      codesOf(
        await graphql(
          gateway,
          `
            {
              me {
                id
              }
            }
          `,
          {},
          { token: elsewhere.token },
        ),
      ),
    ).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await attempt('mover@spirit.demo', DEMO_PASSWORD))).toEqual(['UNAUTHENTICATED']);
    expect((await attempt('mover@spirit.demo', 'an entirely new passphrase')).errors).toBeUndefined();
  });
});

describe('password reset', () => {
  const REQUEST = `mutation($e: String!) { requestPasswordReset(email: $e) }`;
  const RESET = `mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }`;
  const tokenIn = (text: string) => /token=([A-Za-z0-9_-]+)/.exec(text)![1]!;
  /** The link is made and mailed after the answer; wait for the `nth` mail to `to`. */
  async function mailTo(to: string, nth = 1): Promise<string> {
    for (let waited = 0; waited < 5_000; waited += 20) {
      const mails = platform.mailer.sent.filter((m) => m.to === to);
      if (mails.length >= nth) return mails[nth - 1]!.text;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no mail number ${nth} to ${to}`);
  }
  const ask = (email: string, address: string) => graphql(gateway, REQUEST, { e: email }, { headers: { 'x-forwarded-for': address } });

  it('answers the same whether or not the email exists, and mails only a real account', async () => {
    await createUser('forgetful@spirit.demo');
    const sent = platform.mailer.sent.length;
    const known = await graphql(gateway, REQUEST, { e: 'forgetful@spirit.demo' });
    const unknown = await graphql(gateway, REQUEST, { e: 'never-registered@spirit.demo' });
    // Everything the caller can see but the Date header (the two answers may straddle a second)
    // and the request's own id.
    const seen = ({ headers, ...answer }: typeof known) => ({
      ...answer,
      headers: [...headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'),
    });
    expect(seen(known)).toEqual(seen(unknown));
    expect(known.data.requestPasswordReset).toBe(true);
    await mailTo('forgetful@spirit.demo');
    expect(platform.mailer.sent.slice(sent).map((m) => m.to)).toEqual(['forgetful@spirit.demo']);
  });

  it('sets a new password once with the mailed token and ends every session', async () => {
    await createUser('resetter@spirit.demo');
    const before = await login(gateway, 'resetter@spirit.demo', DEMO_PASSWORD);
    await graphql(gateway, REQUEST, { e: 'resetter@spirit.demo' });
    const token = tokenIn(await mailTo('resetter@spirit.demo'));
    const { rows } = await admin.query(`SELECT token_hash FROM password_resets r JOIN users u ON u.id = r.user_id WHERE u.email = $1`, [
      'resetter@spirit.demo',
    ]);
    expect(rows.map((r) => r.token_hash)).not.toContain(token); // stored hashed only

    const weak = await graphql(gateway, RESET, { i: { token, newPassword: 'short' } });
    expect(weak.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' } });
    expect((await graphql(gateway, RESET, { i: { token, newPassword: 'reset to something long' } })).data.resetPassword).toBe(true);
    expect(
      codesOf(
        await graphql(
          gateway,
          `
            {
              me {
                id
              }
            }
          `,
          {},
          { token: before.token },
        ),
      ),
    ).toEqual(['UNAUTHENTICATED']);
    expect((await attempt('resetter@spirit.demo', 'reset to something long')).errors).toBeUndefined();

    const again = await graphql(gateway, RESET, { i: { token, newPassword: 'and once more, longer' } });
    expect(again.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'token' } });
  });

  it('refuses an expired or made-up token', async () => {
    await createUser('late@spirit.demo');
    await graphql(gateway, REQUEST, { e: 'late@spirit.demo' });
    const token = tokenIn(await mailTo('late@spirit.demo'));
    await admin.query(`UPDATE password_resets SET expires_at = now() - interval '1 minute' WHERE token_hash = $1`, [
      createHash('sha256').update(token).digest('hex'),
    ]);
    for (const candidate of [token, 'made-up-token']) {
      const response = await graphql(gateway, RESET, { i: { token: candidate, newPassword: 'would be long enough' } });
      expect(response.errors![0]).toMatchObject({
        message: 'This reset link is invalid, used or expired; ask for a new one',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });

  it('voids every other open link of the account once one is redeemed', async () => {
    await createUser('twolinks@spirit.demo');
    await ask('twolinks@spirit.demo', '198.51.100.50');
    const first = tokenIn(await mailTo('twolinks@spirit.demo', 1));
    await ask('twolinks@spirit.demo', '198.51.100.50');
    const second = tokenIn(await mailTo('twolinks@spirit.demo', 2));
    expect((await graphql(gateway, RESET, { i: { token: second, newPassword: 'the second link wins' } })).data.resetPassword).toBe(true);
    const stale = await graphql(gateway, RESET, { i: { token: first, newPassword: 'the first link must not' } });
    expect(stale.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'token' } });
    expect((await attempt('twolinks@spirit.demo', 'the second link wins', '198.51.100.51')).errors).toBeUndefined();
  });

  it('limits requests per email, known or not, and per address, with RATE_LIMITED and when to retry', async () => {
    await createUser('impatient@spirit.demo');
    for (const email of ['impatient@spirit.demo', 'nobody-impatient@spirit.demo']) {
      const answers = [];
      for (let i = 0; i < 4; i += 1) answers.push(await ask(email, `198.51.100.${60 + i}`));
      expect(answers.slice(0, 3).map((a) => a.data?.requestPasswordReset)).toEqual([true, true, true]);
      expect(answers[3]!.errors![0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
      expect(answers[3]!.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(3000);
    }
    const fromOneAddress = [];
    for (let i = 0; i < 11; i += 1) fromOneAddress.push(await ask(`spray-reset-${i}@spirit.demo`, '198.51.100.70'));
    expect(fromOneAddress.slice(0, 10).every((a) => a.data?.requestPasswordReset === true)).toBe(true);
    expect(codesOf(fromOneAddress[10]!)).toEqual(['RATE_LIMITED']);
  });
});
