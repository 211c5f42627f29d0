import { Kind, parse, type DefinitionNode, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';

const SUBGRAPH_RETRY_AFTER_SECONDS = 1;

/**
 * The subgraph's part of an answer when it could not be reached: SERVICE_UNAVAILABLE, on each
 * top-level field that fetch asked for (so a client sees which fields are missing, and the fields
 * other subgraphs answered stay), or on no field for a fetch of entities, whose fields the plan
 * merges into objects other subgraphs returned. The message names no subgraph: clients are not
 * told how the platform is split up.
 */
export function unavailableErrors(query: string | undefined, isEntityFetch: boolean): GraphQLFormattedError[] {
  const error = (path?: string[]): GraphQLFormattedError => ({
    message: 'Part of the platform did not answer, so the fields it serves are missing; retry in a moment',
    ...(path ? { path } : {}),
    extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: SUBGRAPH_RETRY_AFTER_SECONDS },
  });
  // The plan's own operation for this subgraph, parsed again only on this rare path.
  const operation = isEntityFetch || !query ? undefined : parse(query).definitions.find(isOperation);
  const fields = !operation
    ? []
    : operation.selectionSet.selections.flatMap((s) =>
        s.kind === Kind.FIELD && s.name.value !== '__typename' ? [(s.alias ?? s.name).value] : [],
      );
  return fields.length ? fields.map((field) => error([field])) : [error()];
}

const isOperation = (definition: DefinitionNode): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION;
