import { createRequire } from 'node:module';
import { and, or, rule } from 'graphql-shield';
import { describe, expect, it } from 'vitest';
import { protect } from './shield';

// graphql as graphql-middleware (CommonJS) loads it, as the services' schemas are built: the copy
// vitest would import is graphql's ES module, whose types the middleware does not recognise.
const { buildSchema, execute, parse } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const schema = buildSchema(`
  type Query { open: Item!, guarded: Item!, waiting: Item!, either: Item!, unruled: Item!, _service: _Service! }
  type Item { id: ID!, name: String! }
  type _Service { sdl: String }
`);

const item = { id: 'i1', name: 'Item one' };
const resolvers = { open: () => item, guarded: () => item, waiting: () => item, either: () => item, unruled: () => item };

const granted = rule('granted', { cache: 'contextual' })((_p, _a, ctx: { grant: boolean }) => ctx.grant);
const refused = rule('refused', { cache: 'contextual' })(() => new Error('refused by rule'));
const later = rule('later', { cache: 'no_cache' })(async (_p, _a, ctx: { grant: boolean }) => ctx.grant || new Error('refused later'));

const protectedSchema = protect(schema, {
  Query: { open: granted, guarded: and(granted, refused), waiting: later, either: or(refused, granted) },
  Item: granted,
} as never);

function run(query: string, grant: boolean) {
  return execute({ schema: protectedSchema, document: parse(query), rootValue: resolvers, contextValue: { grant } });
}

describe('shield with synchronous verdicts', () => {
  it('answers a field whose rule already allows without a promise, as if unguarded', () => {
    const result = run('{ open { id name } either { id } }', true);
    // graphql-js answers synchronously only when no field on the way returned a promise.
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual({ data: { open: item, either: { id: 'i1' } } });
  });

  it('leaves every refusal to shield: the rule’s own error, an and() with one refusal, an unruled field', async () => {
    const result = await run('{ guarded { id } }', true);
    expect(result.errors?.map((e) => e.message)).toEqual(['refused by rule']);
    const unruled = await run('{ unruled { id } }', true);
    expect(unruled.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const notGranted = await run('{ open { id } }', false);
    expect(notGranted.errors).toHaveLength(1);
    expect(notGranted.data).toBeNull();
  });

  it('waits for a rule that must wait, and honours its answer either way', async () => {
    expect(await run('{ waiting { name } }', true)).toEqual({ data: { waiting: { name: 'Item one' } } });
    const refusedLater = await run('{ waiting { name } }', false);
    expect(refusedLater.errors?.map((e) => e.message)).toEqual(['refused later']);
  });
});
