import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { Client, Filter, FilterParser, InvalidCredentialsError, ResultCodeError, type Entry } from 'ldapts';
import { DirectoryUnavailable } from '@platform/errors';
import { refusalOf, type DirectoryRefusal } from './ad-errors';

export type DirectorySecurity = 'LDAPS' | 'STARTTLS' | 'NONE';
export type LoginAttribute = 'USER_PRINCIPAL_NAME' | 'SAM_ACCOUNT_NAME';

/** Where and how to reach one publisher's directory, with the bind password in the clear (in memory only). */
export interface DirectoryConnection {
  publisherId: string;
  urls: string[];
  security: DirectorySecurity;
  caCertificate: string | null;
  bindDn: string;
  bindPassword: string;
  userBaseDn: string;
  userFilter: string;
}

/** A user as the platform reads it from AD. */
export interface DirectoryUser {
  objectGuid: string;
  dn: string;
  userPrincipalName: string | null;
  samAccountName: string | null;
  mail: string | null;
  displayName: string;
  disabled: boolean;
  usnChanged: bigint | null;
  /** The groups the user is a direct member of (lower-cased DNs); nesting is resolved from the group tree. */
  memberOf: string[];
}

export const USER_ATTRIBUTES = [
  'objectGUID',
  'userPrincipalName',
  'sAMAccountName',
  'mail',
  'displayName',
  'givenName',
  'sn',
  'userAccountControl',
  'uSNChanged',
  'memberOf',
];
/** The OID of LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups, resolved by AD. */
export const IN_CHAIN = '1.2.840.113556.1.4.1941';
const ACCOUNT_DISABLE = 0x2;

/** The directory did not answer (network, TLS, timeout): what the circuit breaker counts. */
export class DirectoryUnreachable extends Error {}

/**
 * How long one operation of a sync may take: a page of 1,000 users from a large directory is
 * not a sign-in's quick lookup.
 */
export const SYNC_OPERATION_TIMEOUT_MS = 120_000;

export interface DirectoryClientOptions {
  /** Connect timeout, and the timeout of each operation of a sign-in or a connection test. */
  timeoutMs: number;
  /** Failures in a row that open a directory's circuit, and how long it stays open. */
  breakerFailures: number;
  breakerOpenMs: number;
}

/**
 * Connections to publishers' directories. Each directory has its own circuit breaker: after a
 * few connection failures in a row, sign-ins through it fail at once with DIRECTORY_UNAVAILABLE
 * instead of each waiting for the timeout, until one trial connection succeeds again. Every
 * guarded call also has an overall deadline: a directory that accepts the connection and then
 * says nothing (a hung TLS handshake, a stuck server) counts as unreachable too.
 */
export class DirectoryClients {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(readonly options: DirectoryClientOptions) {}

  /**
   * A connection bound as the service account: the urls tried in order. Callers run it inside
   * `guarded` (never nest `guarded`: a half-open circuit lets one trial through, and a nested
   * call would wait for the trial it is part of).
   */
  async open(connection: DirectoryConnection, operationTimeoutMs = this.options.timeoutMs): Promise<DirectorySession> {
    const { client, url } = await this.reach(connection, operationTimeoutMs);
    try {
      await client.bind(connection.bindDn, connection.bindPassword);
    } catch (error) {
      await client.unbind().catch(() => {});
      if (isUnreachable(error)) throw new DirectoryUnreachable(describe(error));
      throw new ServiceBindFailed(describe(error));
    }
    return new DirectorySession(this, connection, client, url);
  }

  /** Connects (and secures) the first url that answers; answers the client and that url. */
  async reach(connection: DirectoryConnection, operationTimeoutMs = this.options.timeoutMs): Promise<{ client: Client; url: string }> {
    const failures: string[] = [];
    for (const url of connection.urls) {
      const client = this.clientFor(connection, url, operationTimeoutMs);
      try {
        // StartTLS opens the connection; otherwise a read of the root entry does.
        if (!(await secure(client, connection, url))) await client.search('', { scope: 'base', attributes: ['1.1'] });
        return { client, url };
      } catch (error) {
        await client.unbind().catch(() => {});
        failures.push(`${url}: ${describe(error)}`);
      }
    }
    throw new DirectoryUnreachable(failures.join('; '));
  }

  clientFor(connection: DirectoryConnection, url: string, operationTimeoutMs = this.options.timeoutMs): Client {
    return new Client({
      url,
      connectTimeout: this.options.timeoutMs,
      timeout: operationTimeoutMs,
      // Only for ldaps://: given for ldap://, ldapts starts TLS on connect, and StartTLS then fails.
      ...(url.startsWith('ldaps:') ? { tlsOptions: tlsOptions(connection, url) } : {}),
    });
  }

  /**
   * Runs work that connects to a publisher's directory under that directory's circuit breaker,
   * and within `deadlineMs` when given (sign-in; a sync's long reads have only the per-operation
   * timeout).
   */
  async guarded<T>(publisherId: string, work: () => Promise<T>, deadlineMs?: number): Promise<T> {
    const breaker = this.breakerOf(publisherId);
    const policy = deadlineMs ? wrap(breaker, timeout(deadlineMs, TimeoutStrategy.Aggressive)) : breaker;
    try {
      return await policy.execute(work);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new DirectoryUnavailable(
          'Your organisation’s directory is not answering; the platform is waiting before it tries again',
          this.options.breakerOpenMs / 1000,
        );
      }
      if (error instanceof DirectoryUnreachable || error instanceof TaskCancelledError) {
        throw new DirectoryUnavailable('Your organisation’s directory is not answering; try again in a moment');
      }
      throw error;
    }
  }

  private breakerOf(publisherId: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(publisherId);
    if (!breaker) {
      breaker = circuitBreaker(
        handleWhen((error) => error instanceof DirectoryUnreachable || error instanceof TaskCancelledError),
        { halfOpenAfter: this.options.breakerOpenMs, breaker: new ConsecutiveBreaker(this.options.breakerFailures) },
      );
      this.breakers.set(publisherId, breaker);
    }
    return breaker;
  }

  /** A directory's settings changed: its breaker starts closed again. */
  forget(publisherId: string): void {
    this.breakers.delete(publisherId);
  }
}

/** The service account's bind was refused (wrong bind DN or password, or a locked account). */
export class ServiceBindFailed extends Error {}

/** One bound connection to a directory; close it when done. */
export class DirectorySession {
  constructor(
    private readonly clients: DirectoryClients,
    readonly connection: DirectoryConnection,
    readonly client: Client,
    readonly url: string,
  ) {}

  /** Users within the configured base DN and filter that also match `extra` (an escaped filter). */
  async findUsers(extra: string | null, pageSize = 1000): Promise<DirectoryUser[]> {
    const filter = extra ? `(&${this.connection.userFilter}${extra})` : this.connection.userFilter;
    const { searchEntries } = await this.client.search(this.connection.userBaseDn, {
      scope: 'sub',
      filter,
      attributes: USER_ATTRIBUTES,
      explicitBufferAttributes: ['objectGUID'],
      paged: { pageSize },
    });
    return searchEntries.map(toDirectoryUser);
  }

  /**
   * Every group of the directory with the groups it is itself a member of (lower-cased DNs): one
   * paged search, from which sync resolves nested membership in memory. (AD's in-chain matching
   * rule answers the same per group, at a cost per group that grows with the directory.)
   */
  async groupTree(searchBase: string): Promise<GroupTree> {
    const { searchEntries } = await this.client.search(searchBase, {
      scope: 'sub',
      filter: '(objectClass=group)',
      attributes: ['memberOf'],
      paged: { pageSize: 1000 },
    });
    return new GroupTree(new Map(searchEntries.map((e) => [e.dn.toLowerCase(), values(e.memberOf).map((dn) => dn.toLowerCase())])));
  }

  /** How many groups changed since `sinceUsn` (a membership change changes the group). */
  async changedGroups(searchBase: string, sinceUsn: bigint): Promise<number> {
    const { searchEntries } = await this.client.search(searchBase, {
      scope: 'sub',
      filter: `(&(objectClass=group)(uSNChanged>=${sinceUsn + 1n}))`,
      attributes: ['1.1'],
      paged: { pageSize: 1000 },
    });
    return searchEntries.length;
  }

  /** The objectGUIDs of users changed since `sinceUsn` anywhere under `searchBase`, in scope or not. */
  async changedUsersAnywhere(searchBase: string, sinceUsn: bigint): Promise<Set<string>> {
    const { searchEntries } = await this.client.search(searchBase, {
      scope: 'sub',
      filter: `(&(objectCategory=person)(objectClass=user)(uSNChanged>=${sinceUsn + 1n}))`,
      attributes: ['objectGUID'],
      explicitBufferAttributes: ['objectGUID'],
      paged: { pageSize: 1000 },
    });
    return new Set(searchEntries.map((e) => guidToUuid(e.objectGUID as Buffer)));
  }

  /** Every group `userDn` belongs to, through nested groups too (lower-cased DNs). */
  async groupsOf(userDn: string, searchBase: string): Promise<Set<string>> {
    const { searchEntries } = await this.client.search(searchBase, {
      scope: 'sub',
      filter: `(&(objectClass=group)(member:${IN_CHAIN}:=${Filter.escape(userDn)}))`,
      attributes: ['1.1'],
      paged: { pageSize: 1000 },
    });
    return new Set(searchEntries.map((e) => e.dn.toLowerCase()));
  }

  /** The root entry: the naming context, and the highest USN committed so far. */
  async rootDse(): Promise<{ namingContext: string; highestUsn: bigint }> {
    const { searchEntries } = await this.client.search('', { scope: 'base', attributes: ['defaultNamingContext', 'highestCommittedUSN'] });
    const root = searchEntries[0];
    return { namingContext: String(root?.defaultNamingContext ?? ''), highestUsn: BigInt(String(root?.highestCommittedUSN ?? '0')) };
  }

  /**
   * Checks a user's password with a bind of its own, on a new connection to the url that
   * answered: the service connection stays bound as the service account.
   */
  async checkPassword(userDn: string, password: string): Promise<DirectoryRefusal | null> {
    // A DN with an empty password is an anonymous bind, which AD answers as a success.
    if (!password) return 'WRONG_CREDENTIALS';
    const client = this.clients.clientFor(this.connection, this.url);
    try {
      await secure(client, this.connection, this.url);
      await client.bind(userDn, password);
      return null;
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return refusalOf(error.message);
      if (isUnreachable(error)) throw new DirectoryUnreachable(describe(error));
      throw error;
    } finally {
      await client.unbind().catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => {});
  }
}

export function toDirectoryUser(entry: Entry): DirectoryUser {
  const text = (name: string): string | null => {
    const value = entry[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined || first === '' ? null : String(first);
  };
  const given = text('givenName');
  const surname = text('sn');
  const control = Number(text('userAccountControl') ?? 0);
  const usn = text('uSNChanged');
  return {
    objectGuid: guidToUuid(entry.objectGUID as Buffer),
    dn: entry.dn,
    userPrincipalName: text('userPrincipalName')?.toLowerCase() ?? null,
    samAccountName: text('sAMAccountName'),
    mail: text('mail')?.toLowerCase() ?? null,
    displayName: text('displayName') ?? ([given, surname].filter(Boolean).join(' ') || text('sAMAccountName') || entry.dn),
    disabled: (control & ACCOUNT_DISABLE) !== 0,
    usnChanged: usn ? BigInt(usn) : null,
    memberOf: values(entry.memberOf).map((dn) => dn.toLowerCase()),
  };
}

function values(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Which groups each group is a member of; answers a user's groups, nested ones included. */
export class GroupTree {
  private readonly memo = new Map<string, ReadonlySet<string>>();

  constructor(private readonly parents: ReadonlyMap<string, string[]>) {}

  get size(): number {
    return this.parents.size;
  }

  /** `direct` and every group above them (cycles, which AD allows, end where they close). */
  closure(direct: readonly string[]): Set<string> {
    const all = new Set<string>();
    for (const dn of direct) for (const above of this.above(dn)) all.add(above);
    return all;
  }

  private above(dn: string): ReadonlySet<string> {
    const known = this.memo.get(dn);
    if (known) return known;
    const found = new Set<string>([dn]);
    const stack = [dn];
    while (stack.length) {
      for (const parent of this.parents.get(stack.pop()!) ?? []) {
        if (!found.has(parent)) {
          found.add(parent);
          stack.push(parent);
        }
      }
    }
    this.memo.set(dn, found);
    return found;
  }
}

/** AD's objectGUID bytes as the GUID string AD tools show (its first three fields are little-endian). */
export function guidToUuid(bytes: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = [...bytes.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** A filter an admin typed, checked before it is stored: it must parse and be one parenthesised filter. */
export function parseUserFilter(filter: string): string {
  const trimmed = filter.trim();
  if (!trimmed.startsWith('(') || !trimmed.endsWith(')')) throw new Error('it must be one filter in parentheses, like (objectClass=user)');
  // The parser takes a filter that leaves a parenthesis open; AD would not.
  let depth = 0;
  for (const [i, c] of [...trimmed].entries()) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0 || (depth === 0 && i < trimmed.length - 1)) throw new Error('its parentheses do not match');
  }
  if (depth !== 0) throw new Error('its parentheses do not match');
  FilterParser.parseString(trimmed);
  return trimmed;
}

/** Upgrades a new plain connection with StartTLS when the directory wants it; answers whether it did. */
async function secure(client: Client, connection: DirectoryConnection, url: string): Promise<boolean> {
  if (connection.security !== 'STARTTLS') return false;
  await client.startTLS(tlsOptions(connection, url));
  return true;
}

function tlsOptions(connection: DirectoryConnection, url: string) {
  const host = new URL(url).hostname;
  return { ca: connection.caCertificate ?? undefined, servername: isIp(host) ? undefined : host, minVersion: 'TLSv1.2' as const };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** Anything but an LDAP result (a refused bind, a bad search): the network, TLS or a timeout. */
function isUnreachable(error: unknown): boolean {
  return !(error instanceof ResultCodeError);
}

/** An error's message as an admin can read it, without stack or internals. */
export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
