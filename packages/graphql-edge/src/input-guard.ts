import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';

/** Deeper input than this is refused: no setting or filter of ours nests more than a few levels. */
export const MAX_INPUT_DEPTH = 32;

interface Problem {
  field: string;
  message: string;
}

/**
 * What PostgreSQL cannot store or a recursive reader should not walk: NUL characters, lone UTF-16
 * surrogates (not Unicode text), and values nested too deeply. Found anywhere in a request's
 * variables or in the string literals of its document, they are refused before any resolver runs,
 * with the field named, instead of failing in the database as an internal error.
 */
export function inputProblem(value: unknown, field: string, depth = 0, root = field): Problem | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { field, message: `${field} must not contain NUL characters` };
    if (!value.isWellFormed()) return { field, message: `${field} must be valid Unicode text (it holds a lone surrogate)` };
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (depth >= MAX_INPUT_DEPTH) return { field: root, message: `${root} is nested too deeply (more than ${MAX_INPUT_DEPTH} levels)` };
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`[${i}]`, v])
    : Object.entries(value).map(([k, v]) => [`.${k}`, v]);
  for (const [step, child] of entries) {
    const keyProblem = Array.isArray(value) ? null : inputProblem(step.slice(1), `${field} (a key)`, depth, root);
    const problem = keyProblem ?? inputProblem(child, `${field}${step}`, depth + 1, root);
    if (problem) return problem;
  }
  return null;
}

function documentProblem(document: DocumentNode): Problem | null {
  let found: Problem | null = null;
  visit(document, {
    [Kind.STRING]: (node) => {
      found ??= inputProblem(node.value, 'a string in the query');
    },
    [Kind.OBJECT]: {
      enter: (_node, _key, _parent, _path, ancestors) => {
        const objects = ancestors.filter((a) => !Array.isArray(a) && (a as { kind?: string }).kind === Kind.OBJECT).length;
        if (objects >= MAX_INPUT_DEPTH)
          found ??= {
            field: 'an object in the query',
            message: `an object in the query is nested too deeply (more than ${MAX_INPUT_DEPTH} levels)`,
          };
      },
    },
  });
  return found;
}

export function inputGuardPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const problem =
            documentProblem(document) ??
            Object.entries(request.variables ?? {}).reduce<Problem | null>(
              (first, [name, value]) => first ?? inputProblem(value, name),
              null,
            );
          if (problem) {
            throw new GraphQLError(problem.message, {
              extensions: { code: 'BAD_USER_INPUT', field: problem.field, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
