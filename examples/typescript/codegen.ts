// Types for the example operations, from the committed schema: npm run codegen
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: "../operations/*.graphql",
  generates: {
    "src/generated/graphql.ts": {
      // typescript-operations 6 emits the enums and input types the operations use by itself.
      plugins: ["typescript-operations"],
      config: {
        enumsAsTypes: true,
        // Each enum also takes "%future added value" (as Relay's compiler writes them): a later
        // release may add a value (the upstream's statuses and roles grow), and a switch over one
        // without a default then fails to compile instead of missing it at run time.
        futureProofEnums: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: "string", JSON: "unknown" },
      },
    },
    // The same operations as typed documents, each with its id (`__meta__.hash`), and the manifest
    // of them all (persisted-documents.json) for GATEWAY_PERSISTED_DOCUMENTS: a client then sends
    // `{"documentId": document.__meta__.hash, "variables": ...}` instead of the document's text.
    "src/generated/persisted/": {
      preset: "client",
      presetConfig: { persistedDocuments: true, fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        // Each enum also takes "%future added value" (as Relay's compiler writes them): a later
        // release may add a value (the upstream's statuses and roles grow), and a switch over one
        // without a default then fails to compile instead of missing it at run time.
        futureProofEnums: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: "string", JSON: "unknown" },
      },
    },
    // Which types each union and interface holds, for Apollo Client's cache (`possibleTypes`):
    // without it, a fragment on an interface (`... on ConversationItemFields`) matches no item and
    // its fields are dropped from every answer, with no error.
    "src/generated/possible-types.json": {
      plugins: ["fragment-matcher"],
      config: { apolloClientVersion: 3 },
    },
    // The schema for urql's Graphcache (`cacheExchange({ schema })`), minified: it then matches
    // fragments on unions and interfaces by the schema's types, not by heuristic, and tells which
    // types have no `id` (the README's urql set-up derives Graphcache's `keys` from it).
    "src/generated/graphcache-schema.json": {
      plugins: ["urql-introspection"],
    },
  },
};

export default config;
