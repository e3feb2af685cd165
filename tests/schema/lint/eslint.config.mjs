// The Guild's GraphQL ESLint rules over the committed schema and the example operations, run by
// tests/schema/test_lint.py from the project's root (paths here are relative to it).
import graphql from '@graphql-eslint/eslint-plugin';

const { configs } = graphql;
const recommended = configs['flat/schema-recommended'].rules;
const [, naming] = recommended['@graphql-eslint/naming-convention'];
const graphQLConfig = { schema: 'schema.graphql', documents: 'examples/operations/*.graphql' };

export default [
  {
    files: ['schema.graphql', 'examples/operations/*.graphql'],
    languageOptions: { parser: graphql.parser, parserOptions: { graphQLConfig } },
    plugins: { '@graphql-eslint': graphql },
  },
  {
    files: ['schema.graphql'],
    rules: {
      ...recommended,
      ...configs['flat/schema-relay'].rules,
      '@graphql-eslint/input-name': 'error',
      '@graphql-eslint/no-scalar-result-type-on-mutation': 'error',
      '@graphql-eslint/require-nullable-result-in-root': 'error',
      '@graphql-eslint/require-nullable-fields-with-oneof': 'error',
      '@graphql-eslint/require-type-pattern-with-oneof': 'error',
      // Lists of values (content parts, metadata) are not connections: only lists of entities are.
      '@graphql-eslint/relay-edge-types': ['error', { listTypeCanWrapOnlyEdgeType: false, withEdgeSuffix: true }],
      // Only entities (the `Node` types) have ids; content parts and actions are values inside them.
      '@graphql-eslint/strict-id-in-types': 'off',
      // The upstream's names: `Conversation.conversationId` is its id beside the global `id`, and
      // `Logprob.logprob` its log probability.
      '@graphql-eslint/no-typename-prefix': 'off',
      // `TypeAction` is OpenAI's computer action `type` (typing text), not a type named "Type…".
      '@graphql-eslint/naming-convention': [
        'error',
        { ...naming, 'ObjectTypeDefinition,ObjectTypeExtension': { forbiddenSuffixes: ['Type'] } },
      ],
      // The schema's one directive is the specification's `@oneOf`, which Strawberry prints bare.
      '@graphql-eslint/require-description': [
        'error',
        { types: true, rootField: true, FieldDefinition: true, InputValueDefinition: true, EnumValueDefinition: true },
      ],
    },
  },
  {
    files: ['examples/operations/*.graphql'],
    rules: configs['flat/operations-recommended'].rules,
  },
];
