// Prints a conversation through the gateway, oldest item first, one line an item:
//   npm run chat -- <graphql-url> <conversation-id> [--by-id] [--send <text>]
// --send adds a user message first; --by-id sends the query's id instead of its text (the gateway
// must be started with GATEWAY_PERSISTED_DOCUMENTS=src/generated/persisted/persisted-documents.json).
import { printConversation, printConversationById, send } from "./chat";

const [url, id, ...options] = process.argv.slice(2);
if (!url || !id) {
  console.error("usage: npm run chat -- <graphql-url> <conversation-id> [--by-id] [--send <text>]");
  process.exit(2);
}
const sendAt = options.indexOf("--send");
const text = sendAt >= 0 ? options[sendAt + 1] : undefined;
if (sendAt >= 0 && text === undefined) {
  console.error("--send needs the message's text");
  process.exit(2);
}
try {
  if (text !== undefined) await send(url, id, text);
  await (options.includes("--by-id") ? printConversationById(url, id) : printConversation(url, id));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
