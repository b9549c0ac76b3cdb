import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * The chat: model endpoints, conversations and what they hold.
 *
 * - model_endpoints: a person's LLM endpoints (provider, base URL, model id); the API
 *   key is sealed by the vault (`key_ciphertext`), never stored in the clear.
 * - conversations: a title, the model endpoint it talks to (null once that endpoint is
 *   removed), the connectors its model may use (JSON array of names; null = every
 *   connector of the conversation's project, or all when no project).
 * - chat_messages: the turns in order (`seq` unique per conversation); `parts` is a
 *   JSON array of text parts (and, on user messages, inserted prompt messages).
 * - chat_tool_calls: each tool call an assistant message made, with its arguments,
 *   status (pending, awaiting-approval, done, error, refused, denied, cancelled), the
 *   approval in flight and the result given back to the model.
 * - chat_attachments: resources and prompts attached to a user message, with the
 *   content that was given to the model.
 *
 * Deleting a conversation deletes everything in it (foreign keys with cascade).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('anthropic', 'openai', 'openai-compatible')`))
    .addColumn('base_url', 'text')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('key_ciphertext', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('model_endpoints_user_name', ['user_id', 'name'])
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.references('model_endpoints.id').onDelete('set null'))
    .addColumn('project', 'text')
    .addColumn('connectors', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('conversations_user_updated').on('conversations').columns(['user_id', 'updated_at']).execute();

  await db.schema
    .createTable('chat_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'assistant')`))
    .addColumn('parts', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('chat_messages_conversation_seq', ['conversation_id', 'seq'])
    .execute();

  await db.schema
    .createTable('chat_tool_calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('message_id', 'text', (c) => c.notNull().references('chat_messages.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('model_call_id', 'text', (c) => c.notNull())
    .addColumn('tool_name', 'text', (c) => c.notNull())
    .addColumn('connector', 'text')
    .addColumn('connector_tool', 'text')
    .addColumn('arguments', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'awaiting-approval', 'done', 'error', 'refused', 'denied', 'cancelled')`),
    )
    .addColumn('approval_id', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chat_tool_calls_message').on('chat_tool_calls').columns(['message_id', 'position']).execute();
  await db.schema.createIndex('chat_tool_calls_approval').on('chat_tool_calls').column('approval_id').execute();

  await db.schema
    .createTable('chat_attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull().references('chat_messages.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('resource', 'prompt')`))
    .addColumn('connector', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('arguments', 'text')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chat_attachments_message').on('chat_attachments').columns(['message_id', 'position']).execute();
}
