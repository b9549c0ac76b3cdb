/**
 * The chat in a real browser: Debian's Chromium against a real `patchbay serve`, the real
 * tiny MCP server as a connector, and the LLM double as the model endpoint, configured
 * through Settings › Models like a person would.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, startWebSession, type WebSession } from './fixtures/web-browser.ts';
import { type AskingServer, startAskingServer, VISIT_URL } from './fixtures/asking-server.ts';
import { type LlmServer, startLlmServer } from './fixtures/llm-server.ts';
import { startTinyServer, TINY_README_TEXT, type TinyServer } from './fixtures/tiny-server.ts';

/** The tool results the model was sent in an OpenAI request. */
const toolResults = (body: { messages: Array<{ role: string; content: string }> }) => body.messages.filter((m) => m.role === 'tool').map((m) => m.content);

describe('the chat in a browser', () => {
  let tiny: TinyServer;
  let asking: AskingServer;
  let llm: LlmServer;
  let session: WebSession;
  let page: Page;

  const newConversation = async () => {
    await page.goto(`${session.base}/chat`);
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
  };
  const idle = () => page.getByRole('button', { name: 'Send' }).waitFor();
  // A message typed while a turn still streams is not sent (the page waits for the turn's end), so wait for Send first.
  const say = async (text: string) => {
    await idle();
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.keyboard.press('Enter');
  };

  before(async () => {
    tiny = await startTinyServer();
    asking = await startAskingServer();
    llm = await startLlmServer();
    session = await startWebSession();
    await session.signIn();
    page = session.page;
    const added = await session.api('POST', '/api/connectors', { url: tiny.url, name: 'tiny' });
    assert.equal(added.status, 201, JSON.stringify(added.json));
  });
  after(async () => {
    await session?.close();
    await llm?.close();
    await tiny?.close();
    await asking?.close();
  });

  test('without a model the chat says so and links to Settings › Models, where one is added', async () => {
    await page.goto(`${session.base}/chat`);
    await page.getByRole('heading', { name: 'No model yet' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'New conversation' }).isDisabled(), true);
    await page.getByRole('link', { name: 'Settings › Models' }).click();
    await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
    await page.getByLabel('Provider').selectOption('openai-compatible');
    await page.getByLabel('Base URL').fill(llm.openaiBaseUrl);
    await page.getByLabel('Model id').fill('double-1');
    await page.getByLabel('API key').fill('sk-browser-secret-99');
    await page.getByLabel('Name (optional)').fill('Local double');
    await page.getByRole('button', { name: 'Add model' }).click();
    await page.getByText('Local double').waitFor();
    assert.match(((await page.getByRole('region', { name: 'Configured models' }).textContent()) ?? ''), /double-1 · .* · key set/);
    assert.equal((await page.content()).includes('sk-browser-secret'), false, 'the key is never shown');
  });

  test('Ask: the approval card shows connector, description and arguments; Allow once runs the tool and the answer streams', async () => {
    await newConversation();
    const connectors = page.locator('details.chat-connectors');
    await connectors.locator('summary').click();
    await connectors.getByText(/tiny · \d+ tools · ≈[\d,]+ tokens/).waitFor();
    assert.match((await connectors.textContent()) ?? '', /Tool definitions: ≈[\d,]+ tokens a turn\./);
    await connectors.locator('summary').click();
    llm.script({ text: 'Let me check.', toolCalls: [{ name: 'tiny__echo', arguments: { text: 'hello browser' } }] }, { text: ['The tool ', 'said ', 'hello browser.'], chunkDelayMs: 30 });
    await say('Echo hello browser');
    const card = page.getByRole('region', { name: 'Approval needed' });
    await card.waitFor();
    const cardText = ((await card.textContent()) ?? '');
    assert.match(cardText, /Allow echo on tiny\?/);
    assert.match(cardText, /Returns the text it is given\.\nSecond line of the description\./);
    assert.match(cardText, /"text": "hello browser"/);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-approval.png'), fullPage: true });

    await card.getByRole('button', { name: 'Allow once' }).click();
    await page.getByText('The tool said hello browser.').waitFor();
    assert.equal(await card.count(), 0, 'the card is gone once answered');
    await page.getByRole('heading', { name: 'Echo hello browser' }).waitFor();
    const tool = page.locator('details.chat-tool').first();
    assert.match(((await tool.locator('summary').textContent()) ?? ''), /echo on tiny\s*done/);
    await tool.locator('summary').click();
    assert.match(((await tool.textContent()) ?? ''), /Result\s*hello browser/);
    assert.deepEqual(toolResults(llm.requests.at(-1)!.body), ['hello browser'], 'the model got the result');
    assert.equal(llm.requests.at(-1)!.headers.authorization, 'Bearer sk-browser-secret-99');
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-answered.png'), fullPage: true });
  });

  test('two calls in one step are approved in turn; cards show images, resource links and structured content', async () => {
    await newConversation();
    llm.script(
      {
        toolCalls: [
          { name: 'tiny__image', arguments: {} },
          { name: 'tiny__add', arguments: { a: 20, b: 22 } },
        ],
      },
      { text: 'Both done.' },
    );
    await say('Show the image and add 20 and 22');
    const card = page.getByRole('region', { name: 'Approval needed' });
    await card.getByText('Allow image on tiny?').waitFor();
    await card.getByRole('button', { name: 'Always allow' }).click();
    await card.getByText('Allow add on tiny?').waitFor();
    await card.getByRole('button', { name: 'Allow once' }).click();
    await page.getByText('Both done.').waitFor();
    const [image, add] = [page.locator('details.chat-tool').nth(0), page.locator('details.chat-tool').nth(1)];
    await image.locator('summary').click();
    assert.match((await image.locator('img').getAttribute('src')) ?? '', /^data:image\/png;base64,/);
    assert.match((await image.textContent()) ?? '', /Resource link: tiny:\/\/logo\.png \(logo\)/);
    await add.locator('summary').click();
    assert.match((await add.textContent()) ?? '', /Structured content\s*\{\s*"sum": 42\s*\}/);
    const policies = await session.api('GET', '/api/connectors/tiny/tool-policies');
    assert.equal(policies.json.tools.find((t: { name: string }) => t.name === 'image').setting.approval, 'allow', 'Always allow changed the tool’s setting');
  });

  test('a call answered elsewhere (the Approvals page, `patchbay approve`) goes on in the open conversation as answered there', async () => {
    await newConversation();
    llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text: 'approved elsewhere' } }] }, { text: 'It said approved elsewhere.' });
    await say('Echo, to be approved elsewhere');
    const card = page.getByRole('region', { name: 'Approval needed' });
    await card.waitFor();
    // The page has seen the request pending (the top bar counts it) before it is answered elsewhere.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('status', { name: '1 waiting' }).waitFor();
    const [pending] = (await session.api('GET', '/api/approvals')).json.approvals;
    assert.equal((await session.api('POST', `/api/approvals/${pending.id}`, { answer: 'once' })).status, 200);
    await page.getByText('It said approved elsewhere.').waitFor();
    assert.equal(await card.count(), 0, 'the card is gone');
    assert.deepEqual(toolResults(llm.requests.at(-1)!.body), ['approved elsewhere'], 'the tool ran, and the model got its result');

    llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text: 'denied elsewhere' } }] }, { text: 'Denied, then.' });
    await say('Echo, to be denied elsewhere');
    await card.waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('status', { name: '1 waiting' }).waitFor();
    const [denied] = (await session.api('GET', '/api/approvals')).json.approvals;
    assert.equal((await session.api('POST', `/api/approvals/${denied.id}`, { answer: 'deny' })).status, 200);
    await page.getByText('Denied, then.').waitFor();
    assert.match(toolResults(llm.requests.at(-1)!.body).at(-1) ?? '', /denied/i, 'a denial elsewhere is a denial here: the tool did not run');
  });

  test('a blocked tool is refused, the card says why, and the model is told', async () => {
    await session.api('PATCH', '/api/connectors/tiny/tools/add/setting', { approval: 'block' });
    await newConversation();
    llm.script({ toolCalls: [{ name: 'tiny__add', arguments: { a: 2, b: 3 } }] }, { text: 'Adding is blocked for me.' });
    await say('Add 2 and 3');
    await page.getByText('Adding is blocked for me.').waitFor();
    const tool = page.locator('details.chat-tool').first();
    assert.match(((await tool.locator('summary').textContent()) ?? ''), /add on tiny\s*refused/);
    await tool.locator('summary').click();
    assert.match(((await tool.textContent()) ?? ''), /blocked/i);
    assert.match(toolResults(llm.requests.at(-1)!.body)[0], /Refused by Patchbay \(TOOL_BLOCKED\)/);
  });

  test('a usage limit stops the next call with a clear message', async () => {
    await session.api('PATCH', '/api/connectors/tiny/tools/echo/setting', { approval: 'allow', limits: { perConversation: 1 } });
    await newConversation();
    llm.script(
      { toolCalls: [{ name: 'tiny__echo', arguments: { text: 'one' } }] },
      { toolCalls: [{ name: 'tiny__echo', arguments: { text: 'two' } }] },
      { text: 'I hit the limit.' },
    );
    await say('Echo twice');
    await page.getByText('I hit the limit.').waitFor();
    const second = page.locator('details.chat-tool').nth(1);
    assert.match(((await second.locator('summary').textContent()) ?? ''), /refused/);
    await second.locator('summary').click();
    assert.match(((await second.textContent()) ?? ''), /The limit of 1 call in this conversation for the tool "echo" is reached/);
    await session.api('PATCH', '/api/connectors/tiny/tools/echo/setting', { limits: null });
  });

  test('Stop cancels a slow tool call', async () => {
    await session.api('PATCH', '/api/connectors/tiny/tools/slow/setting', { approval: 'allow' });
    await newConversation();
    llm.script({ toolCalls: [{ name: 'tiny__slow', arguments: { steps: 100000 } }] });
    const started = tiny.waitFor('slow-started');
    const cancelled = tiny.waitFor('slow-cancelled');
    await say('Run the slow tool');
    await started;
    await page.getByText('running…').waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await cancelled;
    await idle();
    assert.match(((await page.locator('details.chat-tool').first().locator('summary').textContent()) ?? ''), /slow on tiny\s*cancelled/);
    await page.getByText('Stopped.').waitFor();
  });

  test('the paperclip attaches a resource, a template’s resource and a prompt (with completions) from the keyboard; the model receives them', async () => {
    await newConversation();
    const clip = page.getByRole('button', { name: 'Attach resources and prompts' });
    await clip.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('dialog', { name: 'Attach' });
    await menu.getByRole('region', { name: 'tiny' }).waitFor();
    assert.match(((await menu.textContent()) ?? ''), /Resource\s*readme/);
    assert.match(((await menu.textContent()) ?? ''), /Template\s*note/);
    assert.match(((await menu.textContent()) ?? ''), /Prompt\s*greet/);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-paperclip-menu.png'), fullPage: true });

    await page.keyboard.type('readme');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'To attach' }).getByText('tiny · readme').waitFor();
    assert.equal(await menu.count(), 0, 'the menu closes after choosing');

    await clip.focus();
    await page.keyboard.press('Enter');
    await menu.getByRole('region', { name: 'tiny' }).waitFor();
    await page.keyboard.type('greet');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'Prompt greet' });
    await form.waitFor();
    await page.keyboard.type('A');
    await form.getByText('Suggestions: Ada, Alan').waitFor();
    await page.keyboard.type('da');
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'To attach' }).getByText('tiny · greet').waitFor();

    await clip.click();
    await menu.getByRole('region', { name: 'tiny' }).waitFor();
    await menu.getByRole('button', { name: /Template\s*note/ }).click();
    const templateForm = page.getByRole('form', { name: 'Resource template note' });
    await templateForm.getByLabel('id (required)').fill('seven');
    await templateForm.getByRole('button', { name: 'Attach' }).click();
    await page.getByRole('list', { name: 'To attach' }).getByText('tiny · tiny://notes/seven').waitFor();

    llm.script({ text: 'Got both.' });
    await say('Summarise');
    await page.getByText('Got both.').waitFor();
    const messages = llm.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
    assert.ok(messages.some((m) => m.role === 'user' && m.content === 'Please greet Ada.'), 'the prompt’s message was inserted');
    const last = messages.at(-1)!;
    assert.ok(last.content.includes(TINY_README_TEXT), 'the resource content was given');
    assert.ok(last.content.includes('Note seven'), `the template’s resource, read with its variable, was given: ${last.content}`);
    assert.ok(last.content.endsWith('Summarise'));
    assert.match(((await page.locator('.chat-user').last().textContent()) ?? ''), /Resource · tiny · tiny:\/\/readme/);
  });

  test('a server asking for input during a call shows a form in the conversation; the answer reaches the server', async () => {
    await session.api('PATCH', '/api/connectors/tiny/tools/ask/setting', { approval: 'allow' });
    await newConversation();
    llm.script({ toolCalls: [{ name: 'tiny__ask', arguments: {} }] }, { text: 'Nice to meet you.' });
    await say('Ask for my name');
    const form = page.getByRole('form', { name: 'tiny asks for input' });
    await form.waitFor();
    assert.match((await form.textContent()) ?? '', /What is your name\?/);
    await form.getByLabel('Name (required)').fill('Grace');
    await form.getByRole('button', { name: 'Send answer' }).click();
    await page.getByText('Nice to meet you.').waitFor();
    assert.equal(await form.count(), 0);
    assert.deepEqual(toolResults(llm.requests.at(-1)!.body), ['Hello, Grace!']);
  });

  test('a page a server asks to open is shown in full and opened only by a click; sampling asks before using the model', async () => {
    assert.equal((await session.api('POST', '/api/connectors', { url: asking.url, name: 'asking' })).status, 201);
    await session.api('PATCH', '/api/connectors/asking/policy', { defaultApproval: 'allow' });
    await newConversation();
    llm.script({ toolCalls: [{ name: 'asking__visit', arguments: {} }] }, { text: 'Account connected.' });
    await say('Connect my account');
    const visit = page.getByRole('region', { name: 'asking asks you to open a page' });
    await visit.waitFor();
    assert.equal(await visit.locator('code').textContent(), VISIT_URL);
    const link = visit.getByRole('link', { name: 'Open page' });
    assert.equal(await link.getAttribute('href'), VISIT_URL);
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(session.context.pages().length, 1, 'nothing was opened by itself');
    await visit.getByRole('button', { name: 'Done' }).click();
    await page.getByText('Account connected.').waitFor();
    assert.deepEqual(toolResults(llm.requests.at(-1)!.body), ['You chose accept.']);

    llm.script({ toolCalls: [{ name: 'asking__summarize', arguments: { text: 'a long story' } }] }, { text: 'One line.' }, { text: 'Here is the summary.' });
    await say('Summarize a long story');
    const sampling = page.getByRole('region', { name: 'asking asks to use your model' });
    await sampling.waitFor();
    assert.match((await sampling.textContent()) ?? '', /You write one-line summaries\..*Summarize: a long story/s);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-sampling.png'), fullPage: true });
    await sampling.getByRole('button', { name: 'Allow' }).click();
    await page.getByText('Here is the summary.').waitFor();
    assert.deepEqual(toolResults(llm.requests.at(-1)!.body).at(-1), 'Summary by double-1: One line.');
  });

  test('no page errors or policy refusals happened', () => {
    assert.deepEqual(session.problems, []);
  });
});
