import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Whether the field being resolved asks, somewhere under it, for the fields at `path`
 * (`['edges', 'node', 'writers']`), through inline fragments and named ones alike. A guess that
 * lets a resolver fetch ahead: a field it misses is still loaded on its own, so a wrong answer
 * costs a statement, never a wrong result. Directives are not read: a field under `@skip` counts.
 */
export function selects(info: GraphQLResolveInfo, path: readonly (string | readonly string[])[]): boolean {
  const fieldsNamed = (selectionSet: SelectionSetNode | undefined, names: readonly string[]): FieldNode[] =>
    (selectionSet?.selections ?? []).flatMap((selection) => {
      if (selection.kind === Kind.FIELD) return names.includes(selection.name.value) ? [selection] : [];
      if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsNamed(selection.selectionSet, names);
      return fieldsNamed(info.fragments[selection.name.value]?.selectionSet, names);
    });
  let level: FieldNode[] = [...info.fieldNodes];
  for (const step of path) {
    const names = typeof step === 'string' ? [step] : step;
    level = level.flatMap((field) => fieldsNamed(field.selectionSet, names));
    if (level.length === 0) return false;
  }
  return true;
}
