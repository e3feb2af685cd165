// Runs graphql-http's server audit (every MUST and SHOULD of the GraphQL-over-HTTP spec) against a URL.
// Prints one line per audit and the totals; exits 1 on any error or warning.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs http://host:port/graphql");
  process.exit(2);
}
const results = await auditServer({ url });
let ok = 0, warnings = 0, errors = 0;
for (const result of results) {
  if (result.status === "ok") ok += 1;
  else if (result.status === "warn") warnings += 1;
  else errors += 1;
  const detail = result.status === "ok" ? "" : ` — ${result.reason}`;
  console.log(`${result.status.toUpperCase().padEnd(5)} ${result.id} ${result.name}${detail}`);
}
console.log(`graphql-http audit: ${ok} ok, ${warnings} warnings, ${errors} errors`);
process.exit(warnings || errors ? 1 : 0);
