import { InvalidInput } from '@platform/errors';

/** The columns of a works CSV (docs/catalog-import.md); headers are matched case-insensitively. */
export const WORK_COLUMNS = ['title', 'iswc', 'language', 'alternate_titles'] as const;
export const WRITER_FIELDS = ['ipi', 'last_name', 'first_name', 'society', 'role', 'share', 'controlled'] as const;
export const MAX_WRITERS_PER_WORK = 20;

export type WorkColumn = (typeof WORK_COLUMNS)[number];
export type WriterField = (typeof WRITER_FIELDS)[number];

export interface ImportLayout {
  /** Cell index of each work column present. */
  work: Partial<Record<WorkColumn, number>>;
  /** Per writer group (writer_1_…, writer_2_…): cell index of each of its columns present. */
  writers: Partial<Record<WriterField, number>>[];
  /** The header as written, for naming a column in a rejection. */
  names: string[];
}

/**
 * Where each column is: a header the import does not know is refused before any row is read, so
 * a misspelt column never imports as empty.
 */
export function importLayout(header: string[]): ImportLayout {
  const layout: ImportLayout = { work: {}, writers: [], names: header };
  const seen = new Set<string>();
  header.forEach((name, index) => {
    const key = name
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    if (seen.has(key)) throw new InvalidInput(`The header names the column ${name} twice`, 'csv');
    seen.add(key);
    if ((WORK_COLUMNS as readonly string[]).includes(key)) {
      layout.work[key as WorkColumn] = index;
      return;
    }
    const writer = /^writer_(\d{1,2})_(.+)$/.exec(key);
    if (writer && (WRITER_FIELDS as readonly string[]).includes(writer[2]!)) {
      const n = Number(writer[1]);
      if (n < 1 || n > MAX_WRITERS_PER_WORK)
        throw new InvalidInput(`Writer columns go from writer_1 to writer_${MAX_WRITERS_PER_WORK}: ${name}`, 'csv');
      (layout.writers[n - 1] ??= {})[writer[2] as WriterField] = index;
      return;
    }
    throw new InvalidInput(
      `Unknown column ${name}: a works CSV has ${WORK_COLUMNS.join(', ')} and writer_N_{${WRITER_FIELDS.join(', ')}}`,
      'csv',
    );
  });
  if (layout.work.title === undefined) throw new InvalidInput('The header has no title column', 'csv');
  layout.writers.forEach((group, i) => {
    if (!group) throw new InvalidInput(`There are writer_${i + 2} columns but no writer_${i + 1} columns`, 'csv');
    for (const required of ['ipi', 'share'] as const) {
      if (group[required] === undefined) throw new InvalidInput(`writer_${i + 1} has no writer_${i + 1}_${required} column`, 'csv');
    }
  });
  return layout;
}
