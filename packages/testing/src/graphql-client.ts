export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface RequestOptions {
  token?: string | undefined;
  headers?: Record<string, string>;
}

/**
 * A document whose answer and variables have generated types (`tests/generated/operations.ts`,
 * from operations marked `/* GraphQL *\/`): `graphql()` then types both.
 */
export type Operation<TData, TVariables> = string & { readonly __types?: [TData, TVariables] };

/** Gives a document its generated types: `operation<WorksQuery, WorksQueryVariables>(/* GraphQL *\/ `…`)`. */
export const operation = <TData, TVariables>(document: string): Operation<TData, TVariables> => document;

/** Posts one operation the way a browser client does and returns status, data and errors. */
export async function graphql<T = any, V extends object = Record<string, unknown>>(
  url: string,
  query: Operation<T, V> | string,
  variables: V | Record<string, never> = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...body };
}

export const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      accessToken
      refreshToken
      expiresAt
      user {
        id
        email
        displayName
      }
      activePublisher {
        id
        slug
        name
        type
      }
    }
  }
`;

export interface Session {
  token: string;
  userId: string;
  /** null for a platform operator's session. */
  publisherId: string | null;
}

/** Signs a demo user in through `url` and returns the access token, or throws with the errors. */
export async function login(url: string, email: string, password: string, publisher?: string): Promise<Session> {
  const result = await graphql(url, LOGIN, { input: { email, password, ...(publisher ? { publisher } : {}) } });
  if (!result.data?.login) throw new Error(`login of ${email} failed: ${JSON.stringify(result.errors)}`);
  const { accessToken, user, activePublisher } = result.data.login;
  return { token: accessToken, userId: user.id, publisherId: activePublisher?.id ?? null };
}

/** The codes of a response's errors, for assertions. */
export function codesOf(response: GraphQLResponse): unknown[] {
  return (response.errors ?? []).map((e) => e.extensions?.code);
}

/** The audit log's actions on one entity, newest first, as the signed-in member reads them. */
export async function auditTrailOf(url: string, token: string, entityId: string): Promise<string[]> {
  const response = await graphql<{ auditLog: { edges: { node: { action: string; entityId: string } }[] } }>(
    url,
    `
      {
        auditLog(first: 50) {
          edges {
            node {
              action
              entityId
            }
          }
        }
      }
    `,
    {},
    { token },
  );
  if (!response.data) throw new Error(`auditLog failed: ${JSON.stringify(response.errors)}`);
  return response.data.auditLog.edges.filter((e) => e.node.entityId === entityId).map((e) => e.node.action);
}
