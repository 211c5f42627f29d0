import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildASTSchema, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { catalogRules, catalogTypeDefs } from '@platform/catalog';
import { identityRules, identityTypeDefs } from '@platform/identity';
import { publishersRules, publishersTypeDefs } from '@platform/publishers';
import { PERMISSIONS, renderPermissionsDoc } from '@platform/permissions';
import { entityTypesOf, permissionsUsedBy, type IRules } from '@platform/access';

/**
 * Deny by default is only as good as the rules written: every root field, every mutation and
 * every entity type of every subgraph must name its rule, and every permission of the catalog
 * must be enforced somewhere.
 */

const SUBGRAPHS: { name: string; typeDefs: string; rules: IRules }[] = [
  { name: 'identity', typeDefs: identityTypeDefs, rules: identityRules },
  { name: 'publishers', typeDefs: publishersTypeDefs, rules: publishersRules },
  { name: 'catalog', typeDefs: catalogTypeDefs, rules: catalogRules },
];

/** The subgraph's own types, read from its SDL (federation directives stripped of meaning). */
function schemaOf(typeDefs: string): GraphQLSchema {
  const federation = `directive @link(url: String, import: [String]) repeatable on SCHEMA
    directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
    directive @shareable repeatable on OBJECT | FIELD_DEFINITION`;
  return buildASTSchema(parse(`${federation}\n${typeDefs}`), { assumeValidSDL: true });
}

function ruleFor(rules: IRules, type: string, field: string): unknown {
  const forType = (rules as Record<string, unknown>)[type];
  if (!forType) return undefined;
  if (typeof forType === 'object' && 'resolve' in forType) return forType; // a type-wide rule
  const fields = forType as Record<string, unknown>;
  return fields[field] ?? fields['*'];
}

function resolvableEntities(typeDefs: string): string[] {
  return [...typeDefs.matchAll(/type (\w+) @key\(fields: "[^"]+"(, resolvable: (true|false))?\)/g)]
    .filter((m) => m[3] !== 'false')
    .map((m) => m[1]!);
}

describe('the rules of every subgraph', () => {
  for (const subgraph of SUBGRAPHS) {
    it(`name a rule for every root field and mutation of ${subgraph.name}`, () => {
      const schema = schemaOf(subgraph.typeDefs);
      const missing: string[] = [];
      for (const root of [schema.getQueryType(), schema.getMutationType()]) {
        for (const field of Object.keys(root?.getFields() ?? {})) {
          if (!ruleFor(subgraph.rules, root!.name, field)) missing.push(`${root!.name}.${field}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it(`name a rule for every object type of ${subgraph.name}, fields included`, () => {
      const schema = schemaOf(subgraph.typeDefs);
      const missing: string[] = [];
      for (const type of Object.values(schema.getTypeMap())) {
        if (!isObjectType(type) || type.name.startsWith('__') || ['Query', 'Mutation'].includes(type.name)) continue;
        for (const field of Object.keys(type.getFields())) {
          if (!ruleFor(subgraph.rules, type.name, field)) missing.push(`${type.name}.${field}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it(`check _entities in ${subgraph.name} for exactly the entity types it resolves`, () => {
      expect(entityTypesOf(subgraph.rules)?.sort()).toEqual(resolvableEntities(subgraph.typeDefs).sort());
    });
  }
});

describe('the permission catalog', () => {
  it('has no permission that no rule enforces', () => {
    const used = new Set(SUBGRAPHS.flatMap((s) => [...permissionsUsedBy(s.rules)]));
    expect(PERMISSIONS.map((p) => p.key).filter((key) => !used.has(key))).toEqual([]);
  });

  // (Whether rules name only listed permissions needs no spec: `can()` takes a PermissionKey, so
  // only a cast could break it, and the compiler refuses anything else.)
  it('is what the schema documents: a field whose description says "Needs x:y" is guarded by exactly x:y', () => {
    const wrong: string[] = [];
    let documented = 0;
    for (const subgraph of SUBGRAPHS) {
      const schema = schemaOf(subgraph.typeDefs);
      for (const root of [schema.getQueryType(), schema.getMutationType()]) {
        for (const field of Object.values(root?.getFields() ?? {})) {
          const needs = /Needs ([a-z_]+:[a-z_]+)/.exec(field.description ?? '')?.[1];
          if (!needs) continue;
          documented += 1;
          const rule = ruleFor(subgraph.rules, root!.name, field.name) as { name?: string } | undefined;
          // `can(x)` itself, or a rule made of it and permission-free rules (`and(isPerson, can(x))`).
          const guards = [...permissionsUsedBy({ Field: rule } as unknown as IRules)];
          if (guards.length !== 1 || guards[0] !== needs)
            wrong.push(`${subgraph.name} ${root!.name}.${field.name}: documented ${needs}, guarded by ${guards.join(', ') || rule?.name}`);
        }
      }
    }
    expect(documented).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  });

  it('is documented in docs/permissions.md as generated (run `pnpm docs:permissions`)', () => {
    expect(readFileSync(new URL('../docs/permissions.md', import.meta.url), 'utf8')).toBe(renderPermissionsDoc());
  });
});
