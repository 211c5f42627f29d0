import pg from 'pg';
import { ConfigurationError, type ServiceConfig } from '@platform/service';
import { DirectoryClients, type DirectoryClientOptions } from './directory-client';
import { SecretBox } from './secret-box';

/** What identity's directory code shares across requests: connections, the secret key, the sync locks. */
export class DirectoryRuntime {
  readonly clients: DirectoryClients;

  constructor(
    readonly secrets: SecretBox,
    readonly production: boolean,
    clientOptions: DirectoryClientOptions,
    private readonly pool: pg.Pool,
  ) {
    this.clients = new DirectoryClients(clientOptions);
  }

  static open(databaseUrl: string, secrets: SecretBox, production: boolean, clientOptions: DirectoryClientOptions): DirectoryRuntime {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    pool.on('error', () => {}); // an idle connection that died: the pool replaces it
    return new DirectoryRuntime(secrets, production, clientOptions, pool);
  }

  /**
   * Runs `work` holding a PostgreSQL advisory lock named `key`, or answers null at once when
   * another session (this instance or another) holds it. The lock belongs to a connection of its
   * own: if the process dies, PostgreSQL releases it with the connection.
   */
  async exclusively<T>(key: string, work: () => Promise<T>): Promise<T | null> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
      if (!rows[0]?.locked) return null;
      try {
        return await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => (broken = true));
      }
    } finally {
      // A connection whose unlock failed may still hold the lock: it is closed, not reused.
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** The runtime a service or a command builds from its configuration. */
export async function directoryRuntime(config: ServiceConfig): Promise<DirectoryRuntime> {
  const { directory } = config;
  return DirectoryRuntime.open(config.databaseUrl!, await directorySecrets(config), config.production, {
    timeoutMs: directory.timeoutMs,
    breakerFailures: directory.breakerFailures,
    breakerOpenMs: directory.breakerOpenSeconds * 1000,
  });
}

/** DIRECTORY_SECRET_KEY (and the previous keys), or in development a key kept under DATA_DIR. */
export async function directorySecrets(config: ServiceConfig): Promise<SecretBox> {
  const key = config.directory.secretKey;
  if (key) return SecretBox.fromConfiguration(key.current, key.previous);
  if (config.production) throw new ConfigurationError('DIRECTORY_SECRET_KEY must be set when NODE_ENV=production');
  return SecretBox.development(config.dataDir);
}
