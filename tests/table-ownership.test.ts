import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { OWNER_PATHS, TABLE_OWNERS } from '@platform/db';
import { root, sourceFiles } from './source-files';

/**
 * Every table has one owner and only the owner's code writes it (packages/db's TABLE_OWNERS).
 * Read statically: each Prisma write (`tx.work.update…`) and each raw INSERT/UPDATE/DELETE in
 * the services and packages. Seeding and test set-up (demo-data, testing) arrange data as the
 * database owner and are not services.
 */
const SCANNED = ['gateway/src', 'subgraphs', 'packages'];
const NOT_SERVICES = ['packages/demo-data/', 'packages/testing/'];

const models = (
  JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8') }))) as {
    datamodel: { models: { name: string; dbName: string | null }[] };
  }
).datamodel.models;
const tableOfDelegate = new Map(models.map((m) => [m.name[0]!.toLowerCase() + m.name.slice(1), m.dbName ?? m.name]));

/** The tables a file writes, each with the line that does it. */
export function writesIn(source: string): { table: string; line: number }[] {
  const found: { table: string; line: number }[] = [];
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  for (const match of source.matchAll(/\.(\w+)\s*\.\s*(create|createMany|update|updateMany|upsert|delete|deleteMany)\s*\(/g)) {
    const table = tableOfDelegate.get(match[1]!);
    if (table) found.push({ table, line: lineOf(match.index) });
  }
  for (const match of source.matchAll(/\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)\b/g)) {
    if (match[1]! in TABLE_OWNERS) found.push({ table: match[1]!, line: lineOf(match.index) });
  }
  return found;
}

function violations(): string[] {
  const files = SCANNED.flatMap(sourceFiles).filter((file) => !NOT_SERVICES.some((skip) => file.startsWith(skip)));
  return files.flatMap((file) =>
    writesIn(readFileSync(path.join(root, file), 'utf8'))
      .filter(({ table }) => {
        const owner = TABLE_OWNERS[table as keyof typeof TABLE_OWNERS];
        return !owner || !OWNER_PATHS[owner].some((allowed) => file.startsWith(allowed));
      })
      .map(
        ({ table, line }) => `${file}:${line} writes ${table}, owned by ${TABLE_OWNERS[table as keyof typeof TABLE_OWNERS] ?? 'nobody'}`,
      ),
  );
}

describe('table ownership', () => {
  it('gives every table of the schema an owner', () => {
    expect(models.map((m) => m.dbName ?? m.name).filter((table) => !(table in TABLE_OWNERS))).toEqual([]);
  });

  it('finds writes in both spellings the code uses', () => {
    const source = 'await tx.userSession.updateMany({});\nawait tx.$executeRaw`UPDATE user_publishers SET x = 1`;\ntx.work.findMany();';
    expect(writesIn(source)).toEqual([
      { table: 'user_sessions', line: 1 },
      { table: 'user_publishers', line: 2 },
    ]);
  });

  it('lets no service write a table it does not own', () => {
    expect(violations()).toEqual([]);
  });
});
