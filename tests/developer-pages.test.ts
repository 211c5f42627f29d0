import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD } from '@platform/demo-data';
import { startGatewayService } from '@platform/gateway';
import { serviceConfigForTests } from '@platform/testing';

const gateway = inject('gatewayUrl');
const gatewayOrigin = new URL(gateway).origin;
/** Screenshots a person can open after the run; the path is printed. */
const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts');

let browser: Browser;

beforeAll(async () => {
  // Debian's Chromium (`pnpm browser:install`); as root it runs only without its sandbox. Chrome
  // asks a person once whether a site (the Sandbox) may reach their loopback address (Local
  // Network Access); headless, nobody can answer, so the check is off as if they had allowed it.
  // Whether the page may read the gateway's answer is then decided by CORS alone.
  browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-features=LocalNetworkAccessChecks'],
  });
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

/** A page that lets through only requests to the gateway (and its own blobs), recording the rest. */
async function offlinePage(): Promise<{ page: Page; elsewhere: string[] }> {
  const page = await browser.newPage();
  const elsewhere: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith(gatewayOrigin) || url.startsWith('blob:') || url.startsWith('data:')) void request.continue();
    else {
      elsewhere.push(url);
      void request.abort();
    }
  });
  return { page, elsewhere };
}

describe('the offline GraphiQL at /graphiql', () => {
  it('loads with no network beyond the gateway, signs in with a demo login and shows a query result', async () => {
    const { page, elsewhere } = await offlinePage();
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(`${gatewayOrigin}/graphiql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    await page.type('#login-bar input[name=email]', 'owner@dmp.demo');
    await page.type('#login-bar input[name=password]', DEMO_PASSWORD);
    await page.type('#login-bar input[name=publisher]', 'dmp');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#login-bar button[type=submit]')]);
    await page.waitForSelector('.graphiql-execute-button');
    expect(await page.$eval('#login-status', (e) => e.textContent)).toBe('Signed in as owner@dmp.demo in dmp');
    await page.click('.graphiql-execute-button');
    // A string, evaluated in the page: this project's types have no DOM.
    await page.waitForFunction("document.querySelector('.graphiql-response')?.textContent?.includes('owner@dmp.demo')", {
      timeout: 15_000,
    });
    const response = await page.$eval('.graphiql-response', (e) => e.textContent ?? '');
    expect(response).toContain('work:read');
    const screenshot = path.join(ARTIFACTS, 'graphiql.png');
    await page.screenshot({ path: screenshot });
    console.log(`GraphiQL screenshot: ${screenshot}`);
    expect(elsewhere).toEqual([]);
    await page.close();
  });
});

describe('Apollo Sandbox and CORS', () => {
  it("serves the embedded Sandbox as the gateway's page, pointed at the gateway", async () => {
    const response = await fetch(gatewayOrigin, { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('embeddable-sandbox');
    expect(html).toContain('"endpointIsEditable":false');
  });

  /**
   * A page at the Sandbox's own origin (its document answered here, since Apollo's CDN is not
   * reachable), calling the gateway as the Sandbox does: a cross-origin POST with an
   * Authorization header, so Chromium sends its preflight first and enforces the answer.
   */
  async function callFrom(origin: string, headers: Record<string, string>): Promise<string> {
    const page = await browser.newPage();
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith(origin))
        void request.respond({ status: 200, contentType: 'text/html', body: '<!doctype html><title>probe</title>' });
      else void request.continue();
    });
    await page.goto(`${origin}/probe`);
    const outcome = await page.evaluate(
      async (url, sent) => {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...sent },
            body: JSON.stringify({ query: '{ me { email } }' }),
          });
          return `${response.status} ${await response.text()}`;
        } catch (error) {
          return `blocked: ${String(error)}`;
        }
      },
      gateway,
      headers,
    );
    await page.close();
    return outcome;
  }

  it("answers the Sandbox origin's preflight and query in a real browser", async () => {
    const login = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: LoginInput!) { login(input: $input) { accessToken } }',
        variables: { input: { email: 'viewer@dmp.demo', password: DEMO_PASSWORD } },
      }),
    });
    const { data } = (await login.json()) as { data: { login: { accessToken: string } } };
    const outcome = await callFrom('https://sandbox.embed.apollographql.com', { authorization: `Bearer ${data.login.accessToken}` });
    expect(outcome).toBe('200 {"data":{"me":{"email":"viewer@dmp.demo"}}}\n');
  });

  it('lets no other origin read an answer', async () => {
    expect(await callFrom('https://evil.example', { authorization: 'Bearer x' })).toMatch(/^blocked: TypeError/);
  });

  it('answers a preflight 204 with Vary: Origin, and no credentials', async () => {
    const preflight = await fetch(gateway, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://sandbox.embed.apollographql.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://sandbox.embed.apollographql.com');
    expect(preflight.headers.get('vary')).toMatch(/origin/i);
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
  });
});

describe('a production gateway', () => {
  let production: Awaited<ReturnType<typeof startGatewayService>>;
  beforeAll(async () => {
    const config = serviceConfigForTests({ databaseUrl: inject('apiUrl'), dataDir: ARTIFACTS });
    production = await startGatewayService(
      {
        ...config,
        production: true,
        corsOrigins: ['https://app.example.com'],
        jwksUrl: new URL('/.well-known/jwks.json', inject('identityUrl')).href,
      },
      0,
      { identity: inject('identityUrl'), publishers: inject('publishersUrl'), catalog: inject('catalogUrl') },
    );
  });
  afterAll(async () => {
    await production?.close();
  });

  it('serves neither the Sandbox nor GraphiQL, refuses introspection and allows only its configured origins', async () => {
    const page = await fetch(production.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('embeddable-sandbox');
    expect((await fetch(`${production.url}/graphiql`)).status).toBe(404);
    const introspection = await fetch(`${production.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
    });
    expect(JSON.stringify(await introspection.json())).toContain('GRAPHQL_VALIDATION_FAILED');
    const preflight = (origin: string) =>
      fetch(`${production.url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect((await preflight('https://app.example.com')).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await preflight('https://sandbox.embed.apollographql.com')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
