import type { Selectable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { isUniqueViolation, runStoreOperation } from './database-errors.ts';
import type { ChatAttachmentsTable, ChatMessagesTable, ChatToolCallsTable, ConversationsTable, ModelEndpointsTable } from './schema.ts';
import type { Clock } from '../core/clock.ts';
import { nowIso, type StoreContext } from './store-context.ts';
import type {
  ChatAttachment,
  ChatMessage,
  ChatMessageRepository,
  ChatPart,
  ChatRole,
  ChatToolCall,
  ChatToolCallPatch,
  Conversation,
  ConversationRepository,
  ModelEndpoint,
  ModelEndpointRepository,
  ModelProvider,
  ToolCallStatus,
} from './types.ts';

function toModelEndpoint(row: Selectable<ModelEndpointsTable>): ModelEndpoint {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    provider: row.provider as ModelProvider,
    baseUrl: row.base_url,
    model: row.model,
    hasKey: row.key_ciphertext !== null,
    createdAt: row.created_at,
  };
}

export function createModelEndpointRepository({ db, clock }: StoreContext): ModelEndpointRepository {
  return {
    create: (input) =>
      runStoreOperation('models.create', async () => {
        const row = {
          id: input.id,
          user_id: input.userId,
          name: input.name,
          provider: input.provider,
          base_url: input.baseUrl,
          model: input.model,
          key_ciphertext: input.keyCiphertext,
          created_at: nowIso(clock),
        };
        try {
          await db.insertInto('model_endpoints').values(row).execute();
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new PatchbayError('NAME_TAKEN', `A model named "${input.name}" already exists. Choose another name or remove that one first.`, { cause: error });
          }
          throw error;
        }
        return toModelEndpoint(row);
      }),
    list: (userId) =>
      runStoreOperation('models.list', async () => {
        const rows = await db.selectFrom('model_endpoints').selectAll().where('user_id', '=', userId).orderBy('name').execute();
        return rows.map(toModelEndpoint);
      }),
    get: (userId, id) =>
      runStoreOperation('models.get', async () => {
        const row = await db.selectFrom('model_endpoints').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
        return row ? toModelEndpoint(row) : undefined;
      }),
    keyCiphertext: (userId, id) =>
      runStoreOperation('models.keyCiphertext', async () => {
        const row = await db.selectFrom('model_endpoints').select('key_ciphertext').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
        return row?.key_ciphertext ?? null;
      }),
    remove: (userId, id) =>
      runStoreOperation('models.remove', async () => {
        const result = await db.deleteFrom('model_endpoints').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
  };
}

function toConversation(row: Selectable<ConversationsTable>): Conversation {
  return {
    id: row.id,
    userId: row.user_id,
    title: row.title,
    modelId: row.model_id,
    project: row.project,
    connectors: row.connectors === null ? null : (JSON.parse(row.connectors) as string[]),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createConversationRepository({ db, clock }: StoreContext): ConversationRepository {
  const get = (userId: string, id: string) =>
    runStoreOperation('conversations.get', async () => {
      const row = await db.selectFrom('conversations').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return row ? toConversation(row) : undefined;
    });
  return {
    create: (input) =>
      runStoreOperation('conversations.create', async () => {
        const now = nowIso(clock);
        const row = {
          id: newId(),
          user_id: input.userId,
          title: input.title,
          model_id: input.modelId ?? null,
          project: input.project ?? null,
          connectors: input.connectors ? JSON.stringify(input.connectors) : null,
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('conversations').values(row).execute();
        return toConversation(row);
      }),
    list: (userId) =>
      runStoreOperation('conversations.list', async () => {
        const rows = await db.selectFrom('conversations').selectAll().where('user_id', '=', userId).orderBy('updated_at', 'desc').orderBy('id').execute();
        return rows.map(toConversation);
      }),
    get,
    update: (userId, id, patch) =>
      runStoreOperation('conversations.update', async () => {
        const values: Partial<ConversationsTable> = { updated_at: nowIso(clock) };
        if (patch.title !== undefined) values.title = patch.title;
        if (patch.modelId !== undefined) values.model_id = patch.modelId;
        if (patch.project !== undefined) values.project = patch.project;
        if (patch.connectors !== undefined) values.connectors = patch.connectors === null ? null : JSON.stringify(patch.connectors);
        const result = await db.updateTable('conversations').set(values).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw conversationNotFound(id);
        return (await get(userId, id))!;
      }),
    touch: (id) =>
      runStoreOperation('conversations.touch', async () => {
        await db.updateTable('conversations').set({ updated_at: nowIso(clock) }).where('id', '=', id).execute();
      }),
    remove: (userId, id) =>
      runStoreOperation('conversations.remove', async () => {
        const result = await db.deleteFrom('conversations').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
  };
}

export function conversationNotFound(id: string): PatchbayError {
  return new PatchbayError('CONVERSATION_NOT_FOUND', `No conversation ${id.slice(0, 60)}: it may have been deleted.`, { details: { id } });
}

function toToolCall(row: Selectable<ChatToolCallsTable>): ChatToolCall {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    messageId: row.message_id,
    position: Number(row.position),
    modelCallId: row.model_call_id,
    toolName: row.tool_name,
    connector: row.connector,
    connectorTool: row.connector_tool,
    arguments: JSON.parse(row.arguments) as Record<string, unknown>,
    status: row.status as ToolCallStatus,
    approvalId: row.approval_id,
    result: row.result === null ? null : JSON.parse(row.result),
    error: row.error === null ? null : (JSON.parse(row.error) as ChatToolCall['error']),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toAttachment(row: Selectable<ChatAttachmentsTable>): ChatAttachment {
  return {
    id: row.id,
    messageId: row.message_id,
    position: Number(row.position),
    kind: row.kind as ChatAttachment['kind'],
    connector: row.connector,
    ref: row.ref,
    arguments: row.arguments === null ? null : (JSON.parse(row.arguments) as Record<string, string>),
    content: JSON.parse(row.content),
    createdAt: row.created_at,
  };
}

function toMessage(row: Selectable<ChatMessagesTable>, toolCalls: ChatToolCall[], attachments: ChatAttachment[]): ChatMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    role: row.role as ChatRole,
    parts: JSON.parse(row.parts) as ChatPart[],
    toolCalls,
    attachments,
    createdAt: row.created_at,
  };
}

/** The columns a tool call's patch sets (and when). */
function toolCallValues(patch: ChatToolCallPatch, clock: Clock): Partial<ChatToolCallsTable> {
  const values: Partial<ChatToolCallsTable> = { updated_at: nowIso(clock) };
  if (patch.status !== undefined) values.status = patch.status;
  if (patch.approvalId !== undefined) values.approval_id = patch.approvalId;
  if (patch.result !== undefined) values.result = patch.result === null ? null : JSON.stringify(patch.result);
  if (patch.error !== undefined) values.error = patch.error === null ? null : JSON.stringify(patch.error);
  return values;
}

export function createChatMessageRepository({ db, clock }: StoreContext): ChatMessageRepository {
  return {
    append: (input) =>
      runStoreOperation('messages.append', async () => {
        // Two appends at once may pick the same seq: the unique key refuses one, which tries again.
        for (let attempt = 0; ; attempt++) {
          try {
            return await db.transaction().execute(async (tx) => {
              const now = nowIso(clock);
              const last = await tx
                .selectFrom('chat_messages')
                .select((eb) => eb.fn.max('seq').as('seq'))
                .where('conversation_id', '=', input.conversationId)
                .executeTakeFirst();
              const row = {
                id: newId(),
                conversation_id: input.conversationId,
                seq: Number(last?.seq ?? 0) + 1,
                role: input.role,
                parts: JSON.stringify(input.parts),
                created_at: now,
              };
              await tx.insertInto('chat_messages').values(row).execute();
              const calls = (input.toolCalls ?? []).map((c, position) => ({
                id: newId(),
                conversation_id: input.conversationId,
                message_id: row.id,
                position,
                model_call_id: c.modelCallId,
                tool_name: c.toolName,
                connector: c.connector,
                connector_tool: c.connectorTool,
                arguments: JSON.stringify(c.arguments),
                status: 'pending',
                approval_id: null,
                result: null,
                error: null,
                created_at: now,
                updated_at: now,
              }));
              if (calls.length > 0) await tx.insertInto('chat_tool_calls').values(calls).execute();
              const attachments = (input.attachments ?? []).map((a, position) => ({
                id: newId(),
                message_id: row.id,
                position,
                kind: a.kind,
                connector: a.connector,
                ref: a.ref,
                arguments: a.arguments === null ? null : JSON.stringify(a.arguments),
                content: JSON.stringify(a.content),
                created_at: now,
              }));
              if (attachments.length > 0) await tx.insertInto('chat_attachments').values(attachments).execute();
              await tx.updateTable('conversations').set({ updated_at: now }).where('id', '=', input.conversationId).execute();
              return toMessage(row, calls.map(toToolCall), attachments.map(toAttachment));
            });
          } catch (error) {
            if (isUniqueViolation(error) && attempt < 5) continue;
            throw error;
          }
        }
      }),
    list: (conversationId) =>
      runStoreOperation('messages.list', async () => {
        const [rows, calls, attachments] = await Promise.all([
          db.selectFrom('chat_messages').selectAll().where('conversation_id', '=', conversationId).orderBy('seq').execute(),
          db.selectFrom('chat_tool_calls').selectAll().where('conversation_id', '=', conversationId).orderBy('position').execute(),
          db
            .selectFrom('chat_attachments')
            .innerJoin('chat_messages', 'chat_messages.id', 'chat_attachments.message_id')
            .selectAll('chat_attachments')
            .where('chat_messages.conversation_id', '=', conversationId)
            .orderBy('chat_attachments.position')
            .execute(),
        ]);
        return rows.map((row) =>
          toMessage(
            row,
            calls.filter((c) => c.message_id === row.id).map(toToolCall),
            attachments.filter((a) => a.message_id === row.id).map(toAttachment),
          ),
        );
      }),
    updateToolCall: (id, patch) =>
      runStoreOperation('messages.updateToolCall', async () => {
        await db.updateTable('chat_tool_calls').set(toolCallValues(patch, clock)).where('id', '=', id).execute();
        const row = await db.selectFrom('chat_tool_calls').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new PatchbayError('NOT_FOUND', `No tool call ${id.slice(0, 60)} in the conversation: it may have been deleted.`);
        return toToolCall(row);
      }),
    claimToolCall: (id, from, patch) =>
      runStoreOperation('messages.claimToolCall', async () => {
        const result = await db.updateTable('chat_tool_calls').set(toolCallValues(patch, clock)).where('id', '=', id).where('status', '=', from).executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return undefined;
        const row = await db.selectFrom('chat_tool_calls').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toToolCall(row) : undefined;
      }),
    findToolCallByApproval: (conversationId, approvalId) =>
      runStoreOperation('messages.findToolCallByApproval', async () => {
        const row = await db
          .selectFrom('chat_tool_calls')
          .selectAll()
          .where('conversation_id', '=', conversationId)
          .where('approval_id', '=', approvalId)
          .executeTakeFirst();
        return row ? toToolCall(row) : undefined;
      }),
  };
}
