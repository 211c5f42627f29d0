import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, describe, expect, inject, it } from 'vitest';

const gateway = inject('gatewayUrl');

/**
 * MAY audits the gateway fails on purpose. A GET without a JSON content type or an
 * `apollo-require-preflight` header is exactly what a cross-site form or image tag sends, so
 * Apollo's CSRF prevention refuses it (README, "For developers").
 */
const REFUSED_BY_CSRF_PREVENTION = new Set([
  'MAY accept application/x-www-form-urlencoded formatted GET requests',
  'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
]);

// The GraphQL-over-HTTP spec's audit suite from the graphql-http package, run against the
// gateway as any client reaches it. Every MUST and SHOULD has to pass.
describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  const tally = new Map<string, { ok: number; total: number }>();
  afterAll(() => {
    const line = [...tally].map(([level, { ok, total }]) => `${level} ${ok}/${total}`).join(', ');
    console.log(`graphql-http audit of the gateway: ${line}`);
  });

  for (const audit of serverAudits({ url: gateway, fetchFn: fetch })) {
    const level = audit.name.split(' ')[0]!;
    it(audit.name, async () => {
      const result: AuditResult = await audit.fn();
      const counted = tally.get(level) ?? { ok: 0, total: 0 };
      tally.set(level, { ok: counted.ok + (result.status === 'ok' ? 1 : 0), total: counted.total + 1 });
      if (REFUSED_BY_CSRF_PREVENTION.has(audit.name)) {
        if (result.status === 'ok') throw new Error(`${audit.name} passed: is CSRF prevention off?`);
        expect(await result.response.text()).toContain('Cross-Site Request Forgery');
        return;
      }
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
    });
  }
});

describe('status codes at the gateway', () => {
  async function post(body: string, headers: Record<string, string> = {}) {
    const response = await fetch(gateway, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const json = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    return { status: response.status, type: response.headers.get('content-type'), codes: json.errors?.map((e) => e.extensions?.code) };
  }
  const broken = JSON.stringify({ query: '{ works(' });
  const invalid = JSON.stringify({ query: '{ noSuchField }' });

  it('answers parse and validation errors 400 under application/graphql-response+json, 200 under application/json', async () => {
    const modern = { accept: 'application/graphql-response+json' };
    expect(await post(broken, modern)).toMatchObject({
      status: 400,
      type: expect.stringContaining('graphql-response+json'),
      codes: ['GRAPHQL_PARSE_FAILED'],
    });
    expect(await post(invalid, modern)).toMatchObject({ status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] });
    expect(await post(broken, { accept: 'application/json' })).toMatchObject({ status: 200, codes: ['GRAPHQL_PARSE_FAILED'] });
    expect(await post(invalid, { accept: 'application/json' })).toMatchObject({ status: 200, codes: ['GRAPHQL_VALIDATION_FAILED'] });
  });

  it('answers a body that is not JSON 400 under either media type', async () => {
    expect(await post('{"query":', { accept: 'application/json' })).toMatchObject({ status: 400, codes: ['BAD_REQUEST'] });
  });

  it('answers 401 for a refused token, 403 for a refused X-Tenant-ID and 413 for an oversized body', async () => {
    const me = JSON.stringify({ query: '{ me { id } }' });
    expect(await post(me, { authorization: 'Bearer not-a-token' })).toMatchObject({ status: 401, codes: ['UNAUTHENTICATED'] });
    expect(await post(me, { 'x-tenant-id': 'not-a-publisher' })).toMatchObject({ status: 403, codes: ['FORBIDDEN'] });
    const huge = JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(1_100_000)}` });
    expect(await post(huge)).toMatchObject({ status: 413, codes: ['BAD_REQUEST'] });
  });
});
