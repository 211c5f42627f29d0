import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { Operator } from '@platform/auth';
import { isUuid, type PublisherOffboarding, type Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';
import { recordPlatformAct } from './platform-audit';
import { publisherById, requireConfirmation } from './operated-publisher';

/** Runs one transaction in the operator's platform scope (a request's `operate`, or the CLI's). */
export type InPlatformScope = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

/** Rows per export page and per deletion batch: each is one transaction, and its memory. */
export const OFFBOARDING_BATCH = 1_000;
/** Deletion passes over every table before giving up on rows that keep arriving. */
const MAX_PASSES = 3;

export interface OffboardingTableModel {
  table: string;
  exported: number;
  deleted: number;
}

export interface OffboardingModel {
  publisherId: string;
  slug: string;
  startedAt: Date;
  exportPath: string;
  exportedAt: Date | null;
  finishedAt: Date | null;
  tables: OffboardingTableModel[];
}

/** Where the archive is taken, through the gateway, with the operator's token. */
export const OFFBOARDING_EXPORT_PATH = '/platform/offboarding/export';

function toModel(row: PublisherOffboarding): OffboardingModel {
  const exported = row.exported as Record<string, number>;
  const deleted = row.deleted as Record<string, number>;
  const tables = [...new Set([...Object.keys(exported), ...Object.keys(deleted)])].sort();
  return {
    publisherId: row.publisherId,
    slug: row.slug,
    startedAt: row.startedAt,
    exportPath: `${OFFBOARDING_EXPORT_PATH}?publisherId=${row.publisherId}`,
    exportedAt: row.exportedAt,
    finishedAt: row.finishedAt,
    tables: tables.map((table) => ({ table, exported: exported[table] ?? 0, deleted: deleted[table] ?? 0 })),
  };
}

export async function offboardingOf(tx: Tx, publisherId: string): Promise<OffboardingModel | null> {
  if (!isUuid(publisherId)) return null;
  const row = await tx.publisherOffboarding.findUnique({ where: { publisherId: publisherId.toLowerCase() } });
  return row ? toModel(row) : null;
}

/**
 * Calls off an offboarding whose deletion has not begun (reactivating the publisher does): false
 * when it has, and only finishing it is left.
 */
export async function cancelOffboarding(tx: Tx, publisherId: string): Promise<boolean> {
  const [{ cancelled }] = await tx.$queryRaw<[{ cancelled: boolean }]>`SELECT app_offboarding_cancel(${publisherId}::uuid) AS cancelled`;
  return cancelled;
}

/** The record of an offboarding that was started, or NOT_FOUND / BAD_USER_INPUT saying what to do. */
async function startedOffboarding(tx: Tx, publisherId: string, confirmSlug: string | null): Promise<PublisherOffboarding> {
  const row = isUuid(publisherId) ? await tx.publisherOffboarding.findUnique({ where: { publisherId: publisherId.toLowerCase() } }) : null;
  if (!row) {
    const exists = isUuid(publisherId) && (await tx.publisher.count({ where: { id: publisherId.toLowerCase() } })) > 0;
    if (!exists) throw new NotFound('Publisher', publisherId);
    throw new InvalidInput('Start the offboarding first (startOffboarding)', 'publisherId');
  }
  if (confirmSlug !== null) requireConfirmation(row, confirmSlug);
  return row;
}

/**
 * Starts offboarding a publisher its operators suspended: nobody works in it any more, so its
 * rows hold still while they are exported. The slug is typed again as confirmation. Starting
 * again answers the same record.
 */
export async function startOffboarding(
  tx: Tx,
  operator: Operator,
  input: { publisherId: string; confirmSlug: string },
): Promise<OffboardingModel> {
  const existing = isUuid(input.publisherId)
    ? await tx.publisherOffboarding.findUnique({ where: { publisherId: input.publisherId.toLowerCase() } })
    : null;
  if (existing) {
    requireConfirmation(existing, input.confirmSlug);
    return toModel(existing);
  }
  const publisher = await publisherById(tx, input.publisherId);
  requireConfirmation(publisher, input.confirmSlug);
  if (publisher.status !== 'SUSPENDED') {
    throw new InvalidInput(`Suspend "${publisher.slug}" first (suspendPublisher): its data must hold still to be exported`, 'publisherId');
  }
  // Two operators at once start it once, and it is logged once.
  const [{ began }] = await tx.$queryRaw<[{ began: boolean }]>`SELECT app_offboarding_begin(${publisher.id}::uuid) AS began`;
  if (began) {
    await recordPlatformAct(tx, operator, {
      action: 'publisher.offboarding_started',
      publisherId: publisher.id,
      data: { slug: publisher.slug },
    });
  }
  return toModel(await tx.publisherOffboarding.findUniqueOrThrow({ where: { publisherId: publisher.id } }));
}

interface PublisherTable {
  table_name: string;
  parents: string[];
}

/** Every table a publisher owns rows of, children before the tables they reference. */
async function publisherTables(run: InPlatformScope): Promise<string[]> {
  const tables = await run((tx) => tx.$queryRaw<PublisherTable[]>`SELECT table_name, parents FROM app_publisher_tables()`);
  const names = new Set(tables.map((t) => t.table_name));
  const ordered: string[] = [];
  const placed = new Set<string>();
  // A table is placed once every table that references it is: deletion then never cascades.
  const referencedBy = (name: string) => tables.filter((t) => t.table_name !== name && t.parents.includes(name)).map((t) => t.table_name);
  while (ordered.length < tables.length) {
    const next = tables.find(
      (t) => !placed.has(t.table_name) && referencedBy(t.table_name).every((child) => placed.has(child) || !names.has(child)),
    );
    if (!next) throw new Error('The publisher tables reference each other in a cycle');
    ordered.push(next.table_name);
    placed.add(next.table_name);
  }
  return ordered;
}

/**
 * The archive of everything the publisher owns: `<table>/<part>.ndjson` for every table with its
 * rows (pages of OFFBOARDING_BATCH, each read in its own transaction), `people.ndjson` for its
 * members' names and emails, and `manifest.json` with the rows per table, gzipped as a tar.
 * Produced as the client reads it: one page is in memory at a time. Secrets (token and key
 * hashes, the directory's encrypted bind password) are left out. Once the archive is complete,
 * the export is recorded, and the deletion may start.
 */
export async function* offboardingArchive(run: InPlatformScope, operator: Operator, publisherId: string): AsyncGenerator<Buffer> {
  const started = await run((tx) => startedOffboarding(tx, publisherId, null));
  if (started.finishedAt) throw new InvalidInput(`"${started.slug}" is offboarded already: its data is gone`, 'publisherId');
  const pack = tarPack();
  const gzip = createGzip();
  const ready: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => ready.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.once('end', resolve);
    gzip.once('error', reject);
  });
  pack.pipe(gzip);
  const flushed = async function* () {
    await new Promise((resolve) => setImmediate(resolve));
    while (ready.length) yield ready.shift()!;
  };
  const add = (name: string, body: string) =>
    new Promise<void>((resolve, reject) => pack.entry({ name, mtime: new Date() }, body, (error) => (error ? reject(error) : resolve())));

  const counts: Record<string, number> = {};
  for (const table of await publisherTables(run)) {
    counts[table] = 0;
    let after: unknown = null;
    for (let part = 1; ; part++) {
      const rows = await run(
        (tx) => tx.$queryRaw<{ position: unknown; data: unknown }[]>`
          SELECT row_position AS position, data
            FROM app_offboarding_rows(${started.publisherId}::uuid, ${table}, ${after === null ? null : JSON.stringify(after)}::jsonb, ${OFFBOARDING_BATCH}::integer)`,
      );
      if (rows.length === 0) break;
      counts[table] += rows.length;
      await add(`${table}/${String(part).padStart(5, '0')}.ndjson`, rows.map((r) => `${JSON.stringify(r.data)}\n`).join(''));
      yield* flushed();
      if (rows.length < OFFBOARDING_BATCH) break;
      after = rows.at(-1)!.position;
    }
  }
  const people = await run(
    (tx) => tx.$queryRaw<{ data: unknown }[]>`SELECT data FROM app_offboarding_people(${started.publisherId}::uuid)`,
  );
  await add('people.ndjson', people.map((p) => `${JSON.stringify(p.data)}\n`).join(''));
  const exportedAt = new Date();
  await add(
    'manifest.json',
    `${JSON.stringify({ format: 1, publisherId: started.publisherId, slug: started.slug, exportedAt, people: people.length, rows: counts }, null, 2)}\n`,
  );
  pack.finalize();
  await ended;
  yield* flushed();
  await run(async (tx) => {
    await tx.$executeRaw`SELECT app_offboarding_exported(${started.publisherId}::uuid, ${JSON.stringify(counts)}::jsonb)`;
    await recordPlatformAct(tx, operator, { action: 'publisher.exported', publisherId: started.publisherId, data: { rows: counts } });
  });
}

export interface DeletionProgress {
  table: string;
  deleted: number;
}

/**
 * Deletes everything the publisher owns, table by table (children first), in batches of one
 * transaction each; the record counts what each batch removed in that batch's transaction, so a
 * crash loses nothing and running it again goes on where it stopped. Then the publisher row,
 * and a last check that no table holds a row of it. Answers the record, also when it was done
 * before.
 */
export async function offboardPublisher(
  run: InPlatformScope,
  operator: Operator,
  input: { publisherId: string; confirmSlug: string },
  options: { batchSize?: number; onProgress?: (progress: DeletionProgress) => void } = {},
): Promise<OffboardingModel> {
  const started = await run((tx) => startedOffboarding(tx, input.publisherId, input.confirmSlug));
  if (started.finishedAt) return toModel(started);
  if (!started.exportedAt) {
    throw new InvalidInput(`Take the export first (GET ${OFFBOARDING_EXPORT_PATH}?publisherId=${started.publisherId})`, 'publisherId');
  }
  const publisherId = started.publisherId;
  const batch = options.batchSize ?? OFFBOARDING_BATCH;
  const tables = await publisherTables(run);
  // Rows that arrive during a pass (a security event about the publisher) are taken by the next.
  for (let pass = 1; ; pass++) {
    for (const table of tables) {
      for (;;) {
        const [{ removed }] = await run(
          (tx) =>
            tx.$queryRaw<[{ removed: number }]>`SELECT app_offboard_batch(${publisherId}::uuid, ${table}, ${batch}::integer) AS removed`,
        );
        if (removed > 0) options.onProgress?.({ table, deleted: removed });
        if (removed < batch) break;
      }
    }
    const [{ left }] = await run((tx) => tx.$queryRaw<[{ left: string[] }]>`SELECT app_offboarding_left(${publisherId}::uuid) AS left`);
    if (left.length === 0) break;
    if (pass === MAX_PASSES) {
      throw new InvalidInput(`Rows of ${left.join(', ')} keep arriving for this publisher; run offboardPublisher again`, 'publisherId');
    }
  }
  const finished = await run(async (tx) => {
    if ((await tx.publisher.count({ where: { id: publisherId } })) > 0) {
      await tx.$queryRaw`SELECT app_offboard_batch(${publisherId}::uuid, 'publishers', 1)`;
      options.onProgress?.({ table: 'publishers', deleted: 1 });
    }
    const [{ ended }] = await tx.$queryRaw<[{ ended: boolean }]>`SELECT app_offboarding_finish(${publisherId}::uuid) AS ended`;
    const row = await tx.publisherOffboarding.findUniqueOrThrow({ where: { publisherId } });
    if (ended) {
      await recordPlatformAct(tx, operator, {
        action: 'publisher.offboarded',
        publisherId,
        accountId: row.accountId,
        data: { slug: row.slug, deleted: row.deleted as Record<string, number> },
      });
    }
    return row;
  });
  return toModel(finished);
}
