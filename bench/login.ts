import { hashPassword, verifyPassword } from '@platform/auth';
import { DEMO_PASSWORD } from '@platform/demo-data';
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
    const r = await graphql(platform.gatewayUrl, LOGIN, { input: { email: `nobody-${i}@bench.demo`, password: 'wrong password' } }, { headers: { 'x-forwarded-for': `198.18.${i >> 4}.${i & 15}` } });
    if (r.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED') throw new Error(JSON.stringify(r.errors));
  });
  report(`Login latency, ${ITERATIONS} sequential logins`, 'ms/login', [argon, succeeded, unknown]);
}
