import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { Tx } from '@platform/db';
import { InvalidInput } from '@platform/errors';
import { recordChanges, type Change, type ChangeActor } from '@platform/events';
import { normalizeIpiName, normalizeIswc, normalizeLanguage, optionalText, requiredText } from '../identifiers';
import { societyCode } from '../songwriters/societies';
import { songwriterSnapshot, type SongwriterSnapshotFields } from '../songwriters/songwriters';
import { checkSharesTotal, formatHundredths, validRole, validShare, type WriterLine } from '../works/shares';
import { workSnapshot } from '../works/works';
import { MAX_ALTERNATE_TITLES, MAX_TITLE_LENGTH } from '../works/work-fields';
import { importLayout, type ImportLayout, type WriterField } from './import-columns';

export interface ImportRejection {
  /** The line of the file, the header being line 1. */
  line: number;
  column: string;
  message: string;
}

export interface WorkImportReport {
  rows: number;
  imported: number;
  songwritersCreated: number;
  rejected: ImportRejection[];
}

/**
 * Who imports: a member holding work:import (never a client held to their own works: the
 * permission is a catalog-wide one) or the platform's command line (no user).
 */
export type Importer = ChangeActor;

export interface ImportOptions {
  /** Rows one file may hold. */
  maxRows: number;
  /** Told what the import is doing and how far along it is. */
  progress?: (line: string) => void;
}

interface ImportedWriter {
  ipi: string;
  lastName: string | null;
  firstName: string | null;
  society: string | null;
  line: Omit<WriterLine, 'songwriterId'>;
  /** For a rejection about this writer: the column of its IPI and of its last name. */
  ipiColumn: string;
  lastNameColumn: string;
}

interface ImportedWork {
  line: number;
  title: string;
  iswc: string | null;
  language: string | null;
  alternateTitles: string[];
  writers: ImportedWriter[];
}

const WRITE_BATCH = 5_000;

/**
 * Registers the works of a CSV file in the caller's transaction: every row checked, and then
 * either all of them written (works, writer lines, songwriters the catalog did not know, and a
 * `work.created` event each) or none, with every rejected row and its reason.
 */
export async function importWorks(tx: Tx, actor: Importer, csv: string, options: ImportOptions): Promise<WorkImportReport> {
  const progress = options.progress ?? (() => {});
  const { layout, records } = readCsv(csv, options.maxRows);
  const rejected: ImportRejection[] = [];
  const works: ImportedWork[] = [];
  for (const [i, { cells, line }] of records.entries()) {
    const work = readRow(layout, cells, line, rejected);
    if (work) works.push(work);
    if ((i + 1) % 10_000 === 0) progress(`checked ${(i + 1).toLocaleString('en')}/${records.length.toLocaleString('en')} rows`);
  }
  progress(`checked ${records.length.toLocaleString('en')} rows: ${rejected.length} problem(s) so far`);
  const songwriterIds = await checkAgainstCatalog(tx, actor.publisherId, works, rejected);
  const report = { rows: records.length, imported: 0, songwritersCreated: 0, rejected: rejected.sort((a, b) => a.line - b.line) };
  if (rejected.length > 0 || works.length === 0) return report;

  const created = await createSongwriters(tx, actor, works, songwriterIds);
  progress(`created ${created.toLocaleString('en')} songwriters`);
  for (let start = 0; start < works.length; start += WRITE_BATCH) {
    await writeWorks(tx, actor, works.slice(start, start + WRITE_BATCH), songwriterIds);
    progress(`imported ${Math.min(start + WRITE_BATCH, works.length).toLocaleString('en')}/${works.length.toLocaleString('en')} works`);
  }
  return { ...report, imported: works.length, songwritersCreated: created };
}

function readCsv(csv: string, maxRows: number): { layout: ImportLayout; records: { cells: string[]; line: number }[] } {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(csv, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof parsed;
  } catch (error) {
    throw new InvalidInput(`The file is not valid CSV: ${(error as Error).message}`, 'csv');
  }
  const [header, ...rows] = parsed;
  if (!header) throw new InvalidInput('The file is empty: it needs a header line and a row per work', 'csv');
  if (rows.length > maxRows) {
    throw new InvalidInput(
      `The file has ${rows.length.toLocaleString('en')} rows; at most ${maxRows.toLocaleString('en')} are taken at once`,
      'csv',
    );
  }
  return { layout: importLayout(header.record), records: rows.map(({ record, info }) => ({ cells: record, line: info.lines })) };
}

/** One row as a work, or its problems added to `rejected` (all of them, not only the first). */
function readRow(layout: ImportLayout, cells: string[], line: number, rejected: ImportRejection[]): ImportedWork | null {
  const before = rejected.length;
  if (cells.length !== layout.names.length) {
    rejected.push({ line, column: '*', message: `The row has ${cells.length} cells; the header has ${layout.names.length}` });
    return null;
  }
  const column = (index: number) => layout.names[index]!;
  const cell = (index: number | undefined) => (index === undefined ? '' : cells[index]!);
  const check = <T>(index: number | undefined, read: (value: string, name: string) => T): T | null => {
    if (index === undefined) return null;
    try {
      return read(cell(index), column(index));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      rejected.push({ line, column: column(index), message: error.message });
      return null;
    }
  };
  const title = check(layout.work.title, (v, name) => requiredText(v, name, MAX_TITLE_LENGTH));
  const iswc = check(layout.work.iswc, (v, name) => (v ? normalizeIswc(v, name) : null));
  const language = check(layout.work.language, (v, name) => (v ? normalizeLanguage(v, name) : null));
  const alternateTitles =
    check(layout.work.alternate_titles, (v, name) => {
      const titles = v ? v.split('|').map((t) => requiredText(t, name, MAX_TITLE_LENGTH)) : [];
      if (titles.length > MAX_ALTERNATE_TITLES) throw new InvalidInput(`A work has at most ${MAX_ALTERNATE_TITLES} alternate titles`, name);
      return [...new Set(titles)];
    }) ?? [];
  const writers: ImportedWriter[] = [];
  const shares: number[] = [];
  const ipis = new Set<string>();
  layout.writers.forEach((group, i) => {
    if (!Object.values(group).some((index) => cell(index) !== '')) return;
    const at = (field: WriterField) => group[field];
    const ipi = check(at('ipi'), (v, name) => normalizeIpiName(requiredText(v, name), name));
    if (ipi && ipis.has(ipi)) rejected.push({ line, column: column(at('ipi')!), message: 'The same writer appears twice in this work' });
    if (ipi) ipis.add(ipi);
    const share = check(at('share'), (v, name) => validShare(requiredText(v, name), name));
    if (share !== null) shares.push(share);
    const role = check(at('role'), (v, name) => validRole(v || null, name)) ?? 'CA';
    const controlled = check(at('controlled'), (v, name) => yesOrNo(v, name)) ?? true;
    const lastName = check(at('last_name'), (v, name) => optionalText(v, name, 100));
    const firstName = check(at('first_name'), (v, name) => optionalText(v, name, 100));
    const society = check(at('society'), (v, name) => (v ? societyCode(v, name) : null));
    if (ipi && share !== null) {
      writers.push({
        ipi,
        lastName,
        firstName,
        society,
        line: { share: formatHundredths(share), role, controlled },
        ipiColumn: column(at('ipi')!),
        lastNameColumn: at('last_name') === undefined ? `writer_${i + 1}_last_name` : column(at('last_name')!),
      });
    }
  });
  if (layout.writers.length > 0 && rejected.length === before) {
    try {
      checkSharesTotal(shares, 'writer shares');
    } catch (error) {
      rejected.push({ line, column: column(layout.writers[0]!.share!), message: (error as Error).message });
    }
  }
  if (rejected.length > before || title === null) return null;
  return { line, title, iswc, language, alternateTitles, writers };
}

function yesOrNo(value: string, name: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (v === '') return null;
  if (['y', 'yes', 'true', '1'].includes(v)) return true;
  if (['n', 'no', 'false', '0'].includes(v)) return false;
  throw new InvalidInput(`${name} must be yes or no`, name);
}

/**
 * What only the catalog can tell: an ISWC registered already (or twice in the file), and a
 * writer the catalog does not know given without a last name to create them with. Answers the
 * songwriters it knows, by IPI name number.
 */
async function checkAgainstCatalog(
  tx: Tx,
  publisherId: string,
  works: ImportedWork[],
  rejected: ImportRejection[],
): Promise<Map<string, string>> {
  const firstLineOf = new Map<string, number>();
  for (const work of works) {
    if (!work.iswc) continue;
    const first = firstLineOf.get(work.iswc);
    if (first !== undefined) rejected.push({ line: work.line, column: 'iswc', message: `ISWC ${work.iswc} is also on line ${first}` });
    else firstLineOf.set(work.iswc, work.line);
  }
  const registered = await tx.work.findMany({ where: { publisherId, iswc: { in: [...firstLineOf.keys()] } }, select: { iswc: true } });
  for (const { iswc } of registered) {
    rejected.push({ line: firstLineOf.get(iswc!)!, column: 'iswc', message: `ISWC ${iswc} is already registered to another work` });
  }
  const known = await existingSongwriters(tx, publisherId, works);
  const named = new Set(works.flatMap((w) => w.writers.filter((writer) => writer.lastName).map((writer) => writer.ipi)));
  for (const work of works) {
    for (const writer of work.writers) {
      if (!known.has(writer.ipi) && !named.has(writer.ipi)) {
        rejected.push({
          line: work.line,
          column: writer.lastNameColumn,
          message: `No songwriter has IPI name number ${writer.ipi}: give their last name to create them`,
        });
      }
    }
  }
  return known;
}

/** The publisher's songwriters among the file's writers, by IPI name number. */
async function existingSongwriters(tx: Tx, publisherId: string, works: ImportedWork[]): Promise<Map<string, string>> {
  const ipis = [...new Set(works.flatMap((w) => w.writers.map((writer) => writer.ipi)))];
  const found = await tx.songwriter.findMany({
    where: { publisherId, ipiNameNumber: { in: ipis } },
    select: { id: true, ipiNameNumber: true },
  });
  return new Map(found.map((s) => [s.ipiNameNumber!, s.id]));
}

/** Writers the catalog did not know, from the first row that names them; adds them to `ids`. */
async function createSongwriters(tx: Tx, actor: Importer, works: ImportedWork[], ids: Map<string, string>): Promise<number> {
  const fresh = new Map<string, ImportedWriter>();
  for (const writer of works.flatMap((w) => w.writers)) {
    if (!ids.has(writer.ipi) && !fresh.has(writer.ipi) && writer.lastName) fresh.set(writer.ipi, writer);
  }
  const rows = [...fresh.values()].map((w) => ({
    id: randomUUID(),
    first_name: w.firstName,
    last_name: w.lastName,
    ipi_name_number: w.ipi,
    society: w.society,
  }));
  for (let start = 0; start < rows.length; start += WRITE_BATCH) {
    const batch = rows.slice(start, start + WRITE_BATCH);
    // The database writes `name` from first and last name: the events take it from there.
    const written = await tx.$queryRaw<SongwriterSnapshotFields[]>`
      INSERT INTO songwriters (publisher_id, id, first_name, last_name, ipi_name_number, society, created_by, updated_by)
      SELECT ${actor.publisherId}::uuid, r.id, r.first_name, r.last_name, r.ipi_name_number, r.society, ${actor.userId}::uuid, ${actor.userId}::uuid
        FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb)
          AS r(id uuid, first_name text, last_name text, ipi_name_number text, society text)
      RETURNING id, name, first_name AS "firstName", last_name AS "lastName", ipi_name_number AS "ipiNameNumber",
                ipi_base_number AS "ipiBaseNumber", society`;
    const changes: Change[] = written.map((s) => ({
      entityType: 'Songwriter',
      entityId: s.id,
      action: 'songwriter.created',
      data: songwriterSnapshot(s),
    }));
    await recordChanges(tx, actor, changes);
  }
  for (const row of rows) ids.set(row.ipi_name_number, row.id);
  return rows.length;
}

/** One batch of works and their writer lines: two statements, and two more for the audit entries and events. */
async function writeWorks(tx: Tx, actor: Importer, works: ImportedWork[], songwriterIds: Map<string, string>): Promise<void> {
  const rows = works.map((w) => ({
    id: randomUUID(),
    title: w.title,
    iswc: w.iswc,
    language: w.language,
    alternate_titles: w.alternateTitles,
  }));
  await tx.$executeRaw`
    INSERT INTO works (publisher_id, id, title, iswc, language, alternate_titles, created_by, updated_by)
    SELECT ${actor.publisherId}::uuid, r.id, r.title, r.iswc, r.language, r.alternate_titles, ${actor.userId}::uuid, ${actor.userId}::uuid
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS r(id uuid, title text, iswc text, language text, alternate_titles text[])`;
  const lines = works.flatMap((w, i) =>
    w.writers.map((writer) => ({ work_id: rows[i]!.id, songwriter_id: songwriterIds.get(writer.ipi)!, ...writer.line })),
  );
  await tx.$executeRaw`
    INSERT INTO work_writers (publisher_id, work_id, songwriter_id, share, role, controlled)
    SELECT ${actor.publisherId}::uuid, r.work_id, r.songwriter_id, r.share, r.role, r.controlled
      FROM jsonb_to_recordset(${JSON.stringify(lines)}::jsonb)
        AS r(work_id uuid, songwriter_id uuid, share numeric, role text, controlled boolean)`;
  const changes: Change[] = works.map((w, i) => ({
    entityType: 'Work',
    entityId: rows[i]!.id,
    action: 'work.created',
    data: workSnapshot(
      {
        id: rows[i]!.id,
        title: w.title,
        alternateTitles: w.alternateTitles,
        iswc: w.iswc,
        language: w.language,
        versionType: 'ORIGINAL',
        originalWorkId: null,
      },
      w.writers.map((writer) => ({ songwriterId: songwriterIds.get(writer.ipi)!, ...writer.line })),
    ),
  }));
  for (let start = 0; start < changes.length; start += 1_000) await recordChanges(tx, actor, changes.slice(start, start + 1_000));
}
