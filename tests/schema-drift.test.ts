import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { get_dmmf } from '@prisma/prisma-schema-wasm';

/** prisma/schema.prisma must describe the migrated database exactly: same tables, columns, types. */

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object';
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType: [string, string[]] | null;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfEnum {
  name: string;
  dbName: string | null;
  values: { name: string; dbName: string | null }[];
}

const dmmf = JSON.parse(
  get_dmmf(JSON.stringify({ prismaSchema: readFileSync(new URL('../prisma/schema.prisma', import.meta.url), 'utf8') })),
).datamodel as { models: DmmfModel[]; enums: DmmfEnum[] };

interface Column {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

async function databaseColumns(): Promise<Column[]> {
  const client = new pg.Client({ connectionString: inject('adminUrl') });
  await client.connect();
  try {
    const { rows } = await client.query(`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> 'schema_migrations'`);
    return rows;
  } finally {
    await client.end();
  }
}

/** The PostgreSQL type a Prisma field maps to, as format_type() spells it. */
function expectedType(field: DmmfField): string {
  const enumType = dmmf.enums.find((e) => e.name === field.type);
  const native = field.nativeType?.[0];
  const base = enumType
    ? (enumType.dbName ?? enumType.name)
    : native === 'Uuid'
      ? 'uuid'
      : native === 'Timestamptz'
        ? 'timestamp with time zone'
        : native === 'Date'
          ? 'date'
          : native === 'Decimal'
            ? `numeric(${field.nativeType![1].join(',')})`
            : native === 'VarChar'
              ? `character varying(${field.nativeType![1].join(',')})`
              : (
                  {
                    String: 'text',
                    Int: 'integer',
                    BigInt: 'bigint',
                    Boolean: 'boolean',
                    DateTime: 'timestamp(3) without time zone',
                    Json: 'jsonb',
                    Float: 'double precision',
                    Bytes: 'bytea',
                  } as Record<string, string>
                )[field.type];
  if (!base) throw new Error(`No PostgreSQL type known for ${field.name}: ${field.type}`);
  return field.isList ? `${base}[]` : base;
}

describe('prisma/schema.prisma against the migrated database', () => {
  it('maps every model field to a column of the same type and nullability, and every column to a field', async () => {
    const columns = await databaseColumns();
    const problems: string[] = [];
    for (const model of dmmf.models) {
      const table = model.dbName ?? model.name;
      const tableColumns = columns.filter((c) => c.table === table);
      if (tableColumns.length === 0) {
        problems.push(`model ${model.name}: no table ${table}`);
        continue;
      }
      const fields = model.fields.filter((f) => f.kind !== 'object');
      for (const field of fields) {
        const name = field.dbName ?? field.name;
        const column = tableColumns.find((c) => c.column === name);
        if (!column) problems.push(`${model.name}.${field.name}: no column ${table}.${name}`);
        else if (column.type !== expectedType(field))
          problems.push(`${model.name}.${field.name}: ${table}.${name} is ${column.type}, Prisma says ${expectedType(field)}`);
        else if (column.nullable === field.isRequired)
          problems.push(`${model.name}.${field.name}: ${table}.${name} nullable=${column.nullable}, Prisma required=${field.isRequired}`);
      }
      for (const column of tableColumns) {
        if (!fields.some((f) => (f.dbName ?? f.name) === column.column))
          problems.push(`${table}.${column.column}: no field in model ${model.name}`);
      }
    }
    const modelled = new Set(dmmf.models.map((m) => m.dbName ?? m.name));
    for (const table of new Set(columns.map((c) => c.table))) {
      if (!modelled.has(table)) problems.push(`table ${table}: no Prisma model`);
    }
    expect(problems).toEqual([]);
  });

  it('lists the same values for every enum', async () => {
    const client = new pg.Client({ connectionString: inject('adminUrl') });
    await client.connect();
    try {
      for (const e of dmmf.enums) {
        const { rows } = await client.query(`SELECT enumlabel FROM pg_enum WHERE enumtypid = $1::regtype ORDER BY enumsortorder`, [
          e.dbName ?? e.name,
        ]);
        expect(
          rows.map((r) => r.enumlabel),
          e.name,
        ).toEqual(e.values.map((v) => v.dbName ?? v.name));
      }
    } finally {
      await client.end();
    }
  });
});
