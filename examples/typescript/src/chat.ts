// A tiny typed client over fetch, using only the generated types: no GraphQL runtime needed.
import { readFileSync } from "node:fs";

import type { TypedDocumentNode } from "@graphql-typed-document-node/core";

import type {
  ChatItemFragment,
  LoadConversationQuery,
  LoadConversationQueryVariables,
  SendMessageMutation,
  SendMessageMutationVariables,
} from "./generated/graphql";
import { LoadConversationDocument } from "./generated/persisted/graphql";

const read = (file: string) => readFileSync(new URL(`../../operations/${file}`, import.meta.url), "utf8");

/** The text of an operation in examples/operations with the fragments it uses, and only those
 * (GraphQL refuses a document with unused fragments). */
export function operation(name: string): string {
  const fragments = new Map<string, string>();
  for (const block of read("fragments.graphql").split(/(?=^fragment )/m)) {
    const fragmentName = /^fragment (\w+)/.exec(block)?.[1];
    if (fragmentName) fragments.set(fragmentName, block);
  }
  const document = read(`${name}.graphql`);
  const used = new Set<string>();
  const pending = [document];
  for (let text = pending.pop(); text !== undefined; text = pending.pop()) {
    for (const spread of text.matchAll(/\.\.\.([A-Z]\w*)/g)) {
      const fragment = spread[1] ? fragments.get(spread[1]) : undefined;
      if (spread[1] && fragment && !used.has(spread[1])) {
        used.add(spread[1]);
        pending.push(fragment);
      }
    }
  }
  return [document, ...[...used].map((fragmentName) => fragments.get(fragmentName) ?? "")].join("\n");
}

export async function request<Data, Variables>(
  url: string,
  query: string,
  variables: Variables,
  apiKey?: string,
): Promise<Data> {
  return post<Data>(url, { query, variables }, apiKey);
}

/** Runs a typed document of src/generated/persisted by its id alone (`documentId`): the gateway
 * finds it in the manifest it was started with (GATEWAY_PERSISTED_DOCUMENTS=
 * src/generated/persisted/persisted-documents.json), and can refuse any other document. */
export async function requestById<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  apiKey?: string,
): Promise<Data> {
  const documentId = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!documentId) throw new Error("not a persisted document: generate it with the client preset's persistedDocuments");
  return post<Data>(url, { documentId, variables }, apiKey);
}

async function post<Data>(url: string, request: object, apiKey?: string): Promise<Data> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(request) });
  const body = (await response.json()) as { data?: Data; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new Error(`${first?.extensions?.code ?? "ERROR"}: ${first?.message}`);
  }
  if (body.data === undefined) throw new Error("no data");
  return body.data;
}

/** One line of text for any item of the conversation: the union is narrowed by __typename. */
export function describe(item: ChatItemFragment): string {
  switch (item.__typename) {
    case "Message":
      return `${item.role}: ${item.content
        .map((part) => (part.__typename === "InputTextContent" || part.__typename === "OutputTextContent" ? part.text : ""))
        .join("")}`;
    case "FunctionCall":
      return `call ${item.name}(${item.arguments})`;
    case "FunctionCallOutput":
      return `output of ${item.callId ?? "?"}: ${item.output ?? ""}`;
    case "Reasoning":
      return `thought: ${item.summary.map((part) => part.text).join(" ")}`;
    case "UnknownConversationItem":
      return `unknown ${item.type}: ${JSON.stringify(item.raw)}`;
    default:
      return item.__typename;
  }
}

export async function printConversation(url: string, id: string): Promise<void> {
  const query = operation("LoadConversation");
  const data = await request<LoadConversationQuery, LoadConversationQueryVariables>(url, query, { id });
  for (const edge of data.conversation?.items?.edges ?? []) console.log(describe(edge.node));
}

/** As printConversation, sending the document's id instead of its text. */
export async function printConversationById(url: string, id: string): Promise<void> {
  const data = await requestById(url, LoadConversationDocument, { id });
  for (const edge of data.conversation?.items?.edges ?? []) console.log(describe(edge.node));
}

export async function send(url: string, conversationId: string, text: string): Promise<string[]> {
  const query = operation("SendMessage");
  const data = await request<SendMessageMutation, SendMessageMutationVariables>(url, query, { conversationId, text });
  return (data.addConversationItems?.items ?? []).map(describe);
}
