import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

/** A stand-in for each scalar: any value its parser accepts will do, nothing runs with it. */
const SCALAR_STAND_INS: Record<string, unknown> = {
  ID: '00000000-0000-0000-0000-000000000000',
  String: '',
  Int: 0,
  Float: 0,
  Boolean: false,
  DateTime: '2000-01-01T00:00:00.000Z',
};

/**
 * Variables that pass coercion for an operation's required variables. The gateway checks
 * variables before it plans, so warming a plan needs values; the subgraph calls themselves are
 * never made during a warm-up.
 */
export function standInVariables(schema: GraphQLSchema, body: string): Record<string, unknown> {
  const operation = parse(body).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const variables: Record<string, unknown> = {};
  for (const definition of operation?.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (type && isNonNullType(type) && !definition.defaultValue) variables[definition.variable.name.value] = standIn(type);
  }
  return variables;
}

function standIn(type: GraphQLInputType): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return [];
  const named = getNamedType(inner);
  if (isEnumType(named)) return named.getValues()[0]?.name;
  if (isInputObjectType(named)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(named.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) value[field.name] = standIn(field.type);
    }
    return value;
  }
  return SCALAR_STAND_INS[named.name] ?? '';
}
