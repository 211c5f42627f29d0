import { InvalidInput } from '@platform/errors';
import { normalizeIswc, normalizeLanguage, requiredText, requireId } from '../identifiers';

export const MAX_TITLE_LENGTH = 500;
export const MAX_ALTERNATE_TITLES = 20;

export type VersionType = 'ORIGINAL' | 'MODIFICATION';

/** A work's own fields as given (writers apart): undefined leaves a field as it is, null clears it. */
export interface WorkFieldsInput {
  title?: string | null;
  alternateTitles?: string[] | null;
  iswc?: string | null;
  language?: string | null;
  versionType?: VersionType | null;
  originalWorkId?: string | null;
}

export interface WorkFields {
  title?: string;
  alternateTitles?: string[];
  iswc?: string | null;
  language?: string | null;
  versionType?: VersionType;
  originalWorkId?: string | null;
}

/**
 * The fields of a work, normalised and checked one by one (refusals name the field). Whether a
 * modification's original exists is the caller's to check.
 */
export function validWorkFields(input: WorkFieldsInput): WorkFields {
  const fields: WorkFields = {};
  if (input.title != null) fields.title = requiredText(input.title, 'title', MAX_TITLE_LENGTH);
  if (input.alternateTitles != null) {
    if (input.alternateTitles.length > MAX_ALTERNATE_TITLES) {
      throw new InvalidInput(`a work has at most ${MAX_ALTERNATE_TITLES} alternate titles`, 'alternateTitles');
    }
    const titles = input.alternateTitles.map((t, i) => requiredText(t, `alternateTitles[${i}]`, MAX_TITLE_LENGTH));
    fields.alternateTitles = [...new Set(titles)];
  }
  if (input.iswc !== undefined) fields.iswc = input.iswc ? normalizeIswc(input.iswc, 'iswc') : null;
  if (input.language !== undefined) fields.language = input.language ? normalizeLanguage(input.language, 'language') : null;
  if (input.versionType != null) fields.versionType = input.versionType;
  if (input.originalWorkId !== undefined) {
    fields.originalWorkId = input.originalWorkId ? requireId(input.originalWorkId, 'originalWorkId', 'work') : null;
  }
  return fields;
}

/**
 * A modification names the original it modifies; an original names none. `current` is the
 * work's state before an update (an update may change either half).
 */
export function checkVersion(fields: WorkFields, current: { versionType: VersionType; originalWorkId: string | null } | null) {
  const versionType = fields.versionType ?? current?.versionType ?? 'ORIGINAL';
  const original = fields.originalWorkId !== undefined ? fields.originalWorkId : (current?.originalWorkId ?? null);
  if (versionType === 'MODIFICATION' && !original) {
    throw new InvalidInput('a MODIFICATION names the original work it modifies in originalWorkId', 'originalWorkId');
  }
  if (versionType === 'ORIGINAL' && original) {
    // Switching a modification back to an original drops its link.
    if (fields.originalWorkId === undefined && fields.versionType === 'ORIGINAL') return { versionType, originalWorkId: null };
    throw new InvalidInput('only a MODIFICATION has an original work; set versionType: MODIFICATION', 'versionType');
  }
  return { versionType, originalWorkId: original };
}
