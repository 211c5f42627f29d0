import { isUuid, type Publisher, type Tx } from '@platform/db';
import { InvalidInput, NotFound } from '@platform/errors';

/** The publisher an operator acts on, by id, or NOT_FOUND. */
export async function publisherById(tx: Tx, id: string): Promise<Publisher> {
  const publisher = isUuid(id) ? await tx.publisher.findUnique({ where: { id } }) : null;
  if (!publisher) throw new NotFound('Publisher', id);
  return publisher;
}

/** Dangerous acts (a type change, offboarding) are confirmed by typing the publisher's slug again. */
export function requireConfirmation(publisher: { slug: string }, confirmSlug: string): void {
  if (confirmSlug.trim() !== publisher.slug) {
    throw new InvalidInput(`confirmSlug must repeat the publisher's slug ("${publisher.slug}") to confirm`, 'confirmSlug');
  }
}
