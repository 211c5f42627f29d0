import net from 'node:net';
import tls from 'node:tls';
import { describe, ServiceBindFailed, type DirectoryClients, type DirectoryConnection } from './directory-client';

export type TestStepName = 'REACH' | 'TLS' | 'SERVICE_BIND' | 'USER_SEARCH' | 'GROUP_SEARCH';

export interface TestStep {
  step: TestStepName;
  ok: boolean;
  message: string;
}

/**
 * Checks a connection the way sign-in and sync will use it, one step at a time, and says what
 * to fix at the first step that fails (the later ones are reported as not tried).
 */
export async function testConnection(clients: DirectoryClients, connection: DirectoryConnection, groupDns: string[]): Promise<TestStep[]> {
  const steps: TestStep[] = [];
  const pass = (step: TestStepName, message: string) => steps.push({ step, ok: true, message });
  const fail = (step: TestStepName, message: string) => {
    steps.push({ step, ok: false, message });
    const order: TestStepName[] = ['REACH', 'TLS', 'SERVICE_BIND', 'USER_SEARCH', 'GROUP_SEARCH'];
    for (const later of order.slice(order.indexOf(step) + 1)) steps.push({ step: later, ok: false, message: `Not tried: ${step} failed` });
    return steps;
  };

  const reached = await firstReachable(connection.urls, clients.options.timeoutMs);
  if (!reached.url) return fail('REACH', `No URL answered: ${reached.failures.join('; ')}. Check the host names, ports and firewalls.`);
  pass('REACH', `${reached.url} accepts connections`);

  if (connection.security === 'LDAPS') {
    const handshake = await tlsHandshake(reached.url, connection.caCertificate, clients.options.timeoutMs);
    if (handshake)
      return fail(
        'TLS',
        `The TLS handshake with ${reached.url} failed: ${handshake}. Give the CA certificate that signed the directory's certificate.`,
      );
    pass('TLS', `LDAPS with a certificate the CA vouches for`);
  } else if (connection.security === 'NONE') {
    pass('TLS', 'No TLS: passwords cross the network in clear text (allowed outside production only)');
  }

  const single = { ...connection, urls: [reached.url] };
  let session;
  try {
    session = await clients.open(single);
    if (connection.security === 'STARTTLS') pass('TLS', 'StartTLS with a certificate the CA vouches for');
  } catch (error) {
    if (error instanceof ServiceBindFailed) {
      if (connection.security === 'STARTTLS') pass('TLS', 'StartTLS with a certificate the CA vouches for');
      return fail('SERVICE_BIND', `The service account could not bind: ${error.message}. Check bindDn and bindPassword.`);
    }
    if (connection.security === 'STARTTLS')
      return fail('TLS', `StartTLS failed: ${describe(error)}. Give the CA certificate that signed the directory's certificate.`);
    return fail('SERVICE_BIND', `The bind did not complete: ${describe(error)}`);
  }
  try {
    pass('SERVICE_BIND', `Bound as ${connection.bindDn}`);
    try {
      const users = await session.client.search(connection.userBaseDn, {
        scope: 'sub',
        filter: connection.userFilter,
        attributes: ['1.1'],
        sizeLimit: 1,
      });
      if (users.searchEntries.length === 0)
        return fail(
          'USER_SEARCH',
          `No user matches ${connection.userFilter} under ${connection.userBaseDn}. Check userBaseDn and userFilter.`,
        );
      pass('USER_SEARCH', `Users found under ${connection.userBaseDn}, e.g. ${users.searchEntries[0]!.dn}`);
    } catch (error) {
      if ((error as Error).name === 'SizeLimitExceededError') pass('USER_SEARCH', `Users found under ${connection.userBaseDn}`);
      else
        return fail(
          'USER_SEARCH',
          `Searching ${connection.userBaseDn} failed: ${describe(error)}. Check userBaseDn and the service account's rights.`,
        );
    }
    const missing: string[] = [];
    for (const dn of groupDns) {
      const found = await session.client
        .search(dn, { scope: 'base', filter: '(objectClass=group)', attributes: ['1.1'] })
        .catch(() => null);
      if (!found?.searchEntries.length) missing.push(dn);
    }
    if (missing.length) return fail('GROUP_SEARCH', `These mapped groups do not exist or are not groups: ${missing.join('; ')}`);
    pass('GROUP_SEARCH', groupDns.length ? `All ${groupDns.length} mapped group(s) found` : 'No group mappings to check');
    return steps;
  } finally {
    await session.close();
  }
}

async function firstReachable(urls: string[], timeoutMs: number): Promise<{ url: string | null; failures: string[] }> {
  const failures: string[] = [];
  for (const url of urls) {
    const { hostname, port, protocol } = new URL(url);
    const error = await new Promise<string | null>((resolve) => {
      const socket = net.connect({ host: hostname, port: Number(port || (protocol === 'ldaps:' ? 636 : 389)), timeout: timeoutMs });
      socket.once('connect', () => (socket.destroy(), resolve(null)));
      socket.once('timeout', () => (socket.destroy(), resolve(`no answer within ${timeoutMs} ms`)));
      socket.once('error', (e) => resolve(describe(e)));
    });
    if (!error) return { url, failures };
    failures.push(`${url}: ${error}`);
  }
  return { url: null, failures };
}

async function tlsHandshake(url: string, ca: string | null, timeoutMs: number): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: hostname,
      port: Number(port || 636),
      ca: ca ?? undefined,
      servername: net.isIP(hostname) ? undefined : hostname,
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => (socket.destroy(), resolve(null)));
    socket.once('timeout', () => (socket.destroy(), resolve(`no answer within ${timeoutMs} ms`)));
    socket.once('error', (e) => resolve(describe(e)));
  });
}
