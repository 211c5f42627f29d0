import { hashPassword, verifyPassword } from '@platform/auth';
import { DEMO_PASSWORD, DEMO_USERS } from '@platform/demo-data';
import { graphql, LOGIN, type RunningPlatform } from '@platform/testing';
import { measure, report } from './measure';

/**
 * Login latency through the gateway, against its floor: one argon2id verification, which a login
 * spends whether the password is right, wrong, or the email unknown.
 */
export async function loginLatency(platform: RunningPlatform): Promise<void> {
  const ITERATIONS = 150;
  const stored = await hashPassword(DEMO_PASSWORD);
  const argon = await measure('argon2id verify alone (19 MiB, t=2)', ITERATIONS, () => verifyPassword(stored, DEMO_PASSWORD));
  const succeeded = await measure('login through the gateway, right password', ITERATIONS, async () => {
    const r = await graphql(platform.gatewayUrl, LOGIN, { input: { email: 'owner@spirit.demo', password: DEMO_PASSWORD } });
    if (!r.data?.login) throw new Error(JSON.stringify(r.errors));
  });
  // Unknown emails never lock an account, and each address stays under the throttle.
  const unknown = await measure('login through the gateway, unknown email', ITERATIONS, async (i) => {
    const r = await graphql(
      platform.gatewayUrl,
      LOGIN,
      { input: { email: `nobody-${i}@bench.demo`, password: 'wrong password' } },
      { headers: { 'x-forwarded-for': `198.18.${i >> 4}.${i & 15}` } },
    );
    if (r.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED') throw new Error(JSON.stringify(r.errors));
  });
  report(`Login latency, ${ITERATIONS} sequential logins`, 'ms/login', [argon, succeeded, unknown]);
  await resetRequestTiming(platform);
}

/**
 * Asking for a password reset must take as long for a registered email as for an unknown one, or
 * the answer's timing tells which emails have accounts. The link is made and mailed after the
 * answer; making it first had the registered email's fastest answer ~1.4× the unknown's.
 * Each demo email may be sent three links an hour, so the sample is three per demo user.
 */
async function resetRequestTiming(platform: RunningPlatform): Promise<void> {
  const REQUEST = 'mutation Reset($email: String!) { requestPasswordReset(email: $email) }';
  const known = DEMO_USERS.flatMap((user) => [user.email, user.email, user.email]);
  const ask = async (email: string, i: number) => {
    const started = performance.now();
    const r = await graphql(platform.gatewayUrl, REQUEST, { email }, { headers: { 'x-forwarded-for': `198.19.${i >> 4}.${i & 15}` } });
    if (r.data?.requestPasswordReset !== true) throw new Error(JSON.stringify(r.errors));
    return performance.now() - started;
  };
  const knownMs: number[] = [];
  const unknownMs: number[] = [];
  for (const [i, email] of known.entries()) {
    // Alternate which goes first, so neither always pays for the other's work after its answer.
    const pair = i % 2 === 0 ? [email, `nobody-${i}@bench.demo`] : [`nobody-${i}@bench.demo`, email];
    for (const asked of pair) (asked === email ? knownMs : unknownMs).push(await ask(asked, i));
  }
  report(`Password reset requests, ${known.length} each, alternating`, 'ms/request', [
    { name: 'unknown email', samples: unknownMs },
    { name: 'registered email (link made and mailed after the answer)', samples: knownMs },
  ]);
}
