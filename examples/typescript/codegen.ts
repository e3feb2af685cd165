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
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: "string", JSON: "unknown" },
      },
    },
  },
};

export default config;
