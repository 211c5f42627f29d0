import { operatorOf } from '@platform/access';
import { DomainError } from '@platform/errors';
import type { RouteResponse } from '@platform/http';
import type { PublishersContext } from '../context';
import { routeRefusal } from '../route-refusal';
import { offboardingArchive } from './offboarding';

/**
 * `GET /platform/offboarding/export?publisherId=…`: the archive of a publisher being offboarded,
 * streamed as it is read. Needs platform:offboard, like the deletion it allows.
 */
export async function offboardingExport(request: { url?: string | undefined }, ctx: PublishersContext): Promise<RouteResponse> {
  if (!ctx.operator) {
    return ctx.principal
      ? routeRefusal(403, 'FORBIDDEN', 'Offboarding is done in a platform session')
      : routeRefusal(401, 'UNAUTHENTICATED', 'Sign in to continue');
  }
  if (!ctx.permissions.has('platform:offboard'))
    return routeRefusal(403, 'FORBIDDEN', 'This needs the "platform:offboard" platform permission');
  const publisherId = new URL(request.url ?? '/', 'http://localhost').searchParams.get('publisherId') ?? '';
  const archive = offboardingArchive(ctx.operate, operatorOf(ctx), publisherId);
  // The first chunk is asked for now, so that a refusal (not started, done already) is an answer
  // with its status rather than a broken download.
  let first: IteratorResult<Buffer>;
  try {
    first = await archive.next();
  } catch (error) {
    if (error instanceof DomainError)
      return routeRefusal(error.code === 'NOT_FOUND' ? 404 : 400, error.code, error.message, undefined, error.details());
    throw error;
  }
  return {
    status: 200,
    contentType: 'application/gzip',
    headers: { 'content-disposition': `attachment; filename="offboarding-${publisherId}.tar.gz"`, 'cache-control': 'no-store' },
    body: null,
    stream: (async function* () {
      if (!first.done) yield first.value;
      yield* archive;
    })(),
  };
}
