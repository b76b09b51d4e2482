/**
 * The protocol families behind the registry: classification, refusals in each client
 * protocol and the denial rewrites of a held tail, in memory with the Copilot fixtures.
 */
import { describe, expect, it } from 'vitest';
import { classifyEndpoint, familyFor, FAMILIES, SseParser, type EndpointKind } from '../../proxy/protocols/index.js';
import { fx } from '../helpers/fixtures.js';
import { reassemble } from '../helpers/reassemble.js';
import { events } from '../helpers/streams.js';

const parse = (text: string) => {
  const p = new SseParser();
  return [...p.push(text), ...p.end()];
};

describe('the registry', () => {
  it('classifies every Copilot endpoint to the family that owns it', () => {
    const cases: Array<[string, string, EndpointKind, string]> = [
      ['proxy.business.githubcopilot.com', '/v1/engines/gpt-41-copilot/completions', 'completion', 'completions'],
      ['api.business.githubcopilot.com', '/chat/completions', 'chat', 'chat'],
      ['copilot-proxy.githubusercontent.com', '/chat/completions?x=1', 'next-edit', 'chat'],
      ['api.githubcopilot.com', '/responses', 'responses', 'responses'],
      ['api.githubcopilot.com', '/v1/messages', 'messages', 'messages'],
      ['api.github.com', '/copilot_internal/v2/token', 'token', 'buffered'],
      ['api.githubcopilot.com', '/models', 'models', 'buffered'],
      ['telemetry.business.githubcopilot.com', '/telemetry', 'telemetry', 'buffered'],
      ['api.githubcopilot.com', '/agents', 'other', 'buffered'],
    ];
    for (const [host, path, kind, family] of cases) {
      expect(classifyEndpoint('POST', host, path)).toBe(kind);
      expect(familyFor(kind).name).toBe(family);
    }
    // Each kind belongs to exactly one family.
    const kinds = FAMILIES.flatMap((f) => f.kinds);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it('holds tool calls only where policy judges them (chat, Responses, Messages)', () => {
    expect(FAMILIES.filter((f) => f.rewriteDenied).map((f) => f.name)).toEqual(['chat', 'responses', 'messages']);
  });
});

describe('refusals', () => {
  const msg = 'Witness: not here.';
  it('chat: a stream the IDE shows as the answer, or one JSON completion', () => {
    const r = familyFor('chat').refusal('chat', msg, { stream: true, model: 'gpt-4.1' });
    expect(r.status).toBe(200);
    expect(reassemble('chat', r.body.toString()).text).toBe(msg);
    expect(r.body.toString().trimEnd().endsWith('data: [DONE]')).toBe(true);
    const j = JSON.parse(familyFor('chat').refusal('chat', msg, { stream: false }).body.toString());
    expect(j.choices[0].message.content).toBe(msg);
  });
  it('legacy completions: an empty suggestion, never the message as code', () => {
    const r = familyFor('completion').refusal('completion', msg, { stream: true });
    expect(r.body.toString()).not.toContain(msg);
    expect(events(r.body.toString())[0].choices[0].text).toBe('');
  });
  it('Responses and Messages: the message as the answer, with the protocol end', () => {
    const resp = familyFor('responses').refusal('responses', msg, { stream: true });
    expect(reassemble('responses', resp.body.toString()).text).toBe(msg);
    expect(events(resp.body.toString()).at(-1).type).toBe('response.completed');
    const m = familyFor('messages').refusal('messages', msg, { stream: true });
    expect(reassemble('messages', m.body.toString()).text).toBe(msg);
    expect(events(m.body.toString()).at(-1).type).toBe('message_stop');
  });
  it('anything else: a 403 JSON error naming Witness', () => {
    const r = familyFor('token').refusal('token', msg, { stream: true });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body.toString())).toEqual({ error: { message: msg, code: 'witness_blocked' } });
  });
});

describe('denial rewrites', () => {
  it('chat: the denied call is dropped, the allowed one kept, the message added before finish', () => {
    const held = fx('03-agent.response-toolcalls.sse.txt');
    const out = familyFor('chat').rewriteDenied!(parse(held), new Set([1]), 'Witness blocked it');
    const seen = reassemble('chat', out);
    expect(seen.toolCalls.map((c) => c.name)).toEqual(['replace_string_in_file']);
    expect(seen.text).toContain('Witness blocked it');
    expect(out.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
  it('chat: every call denied turns finish_reason tool_calls into stop', () => {
    const out = familyFor('chat').rewriteDenied!(parse(fx('03-agent.response-toolcalls.sse.txt')), new Set([0, 1]), 'no');
    const reasons = events(out).flatMap((e) => e.choices?.map((c: any) => c.finish_reason).filter(Boolean) ?? []);
    expect(reasons).toEqual(['stop']);
    expect(reassemble('chat', out).toolCalls).toEqual([]);
  });
  it('Responses: the denied items go, sequence numbers keep increasing, the final output carries the message', () => {
    const out = familyFor('responses').rewriteDenied!(parse(fx('04-responses.response-toolcalls.sse.txt')), new Set([0, 1, 2, 3, 4, 5]), 'denied here');
    const evs = events(out);
    expect(reassemble('responses', out).toolCalls).toEqual([]);
    const seqs = evs.map((e) => e.sequence_number).filter((n) => typeof n === 'number');
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const done = evs.find((e) => e.type === 'response.completed');
    expect(done.response.output.at(-1).content[0].text).toBe('denied here');
  });
  it('Messages: the denied block goes and stop_reason tool_use becomes end_turn', () => {
    const out = familyFor('messages').rewriteDenied!(parse(fx('05-messages.response-tooluse.sse.txt')), new Set([1]), 'denied');
    const seen = reassemble('messages', out);
    expect(seen.toolCalls).toEqual([]);
    expect(seen.text).toContain('denied');
    expect(events(out).find((e) => e.type === 'message_delta').delta.stop_reason).toBe('end_turn');
  });
});

describe('stream errors (an upstream that stalls mid-stream)', () => {
  const failure = { code: 'witness_upstream_timeout', message: 'the response stalled' };

  it('every family whose streams have an error event owns one; the rest are cut', () => {
    expect(FAMILIES.filter((f) => f.streamError).map((f) => f.name)).toEqual(['completions', 'chat', 'responses', 'messages']);
  });

  it('Responses: response.failed continues the stream it ends (response id, next sequence number)', () => {
    const fam = familyFor('responses');
    const seen = fam.adapter('responses', { masker: null });
    const head =
      'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_7","model":"gpt-5"}}\n\n' +
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":6,"item_id":"m","output_index":0,"content_index":0,"delta":"hi"}\n\n';
    for (const ev of parse(head)) seen.step(ev);
    const [ev] = parse(fam.streamError!('responses', failure, seen).raw);
    expect(ev!.event).toBe('response.failed');
    expect(JSON.parse(ev!.data!)).toMatchObject({ type: 'response.failed', sequence_number: 7, response: { id: 'resp_7', status: 'failed', model: 'gpt-5' } });
  });

  it('chat and Messages: the error in each protocol shape, properly ended', () => {
    const chat = familyFor('chat').streamError!('chat', failure, familyFor('chat').adapter('chat', { masker: null }));
    expect(parse(chat.raw).map((e) => e.data)).toEqual([JSON.stringify({ error: { message: 'the response stalled', type: 'server_error', code: 'witness_upstream_timeout' } }), '[DONE]']);
    const msg = familyFor('messages').streamError!('messages', failure, familyFor('messages').adapter('messages', { masker: null }));
    const [ev] = parse(msg.raw);
    expect(ev!.event).toBe('error');
    expect(JSON.parse(ev!.data!)).toEqual({ type: 'error', error: { type: 'api_error', message: 'witness_upstream_timeout: the response stalled' } });
  });
});

describe('the request view', () => {
  it('reads a resent (frozen) message once, and a message that is not frozen every time', () => {
    const chat = familyFor('chat');
    const tool = Object.freeze({ role: 'tool', content: 'declare const x: number;' });
    const user = { role: 'user', content: 'first' };
    const v1 = chat.readRequest('/chat/completions', { messages: [tool, user] });
    user.content = 'second';
    const v2 = chat.readRequest('/chat/completions', { messages: [tool, user] });
    expect(v1.messages).toEqual([{ role: 'tool', text: 'declare const x: number;' }, { role: 'user', text: 'first' }]);
    expect(v2.messages).toEqual([{ role: 'tool', text: 'declare const x: number;' }, { role: 'user', text: 'second' }]);
    expect(v2.prompt).toBe('second');
    // Responses input items the same way.
    const item = Object.freeze({ type: 'function_call_output', output: 'done' });
    expect(familyFor('responses').readRequest('/responses', { input: [item] }).messages).toEqual([{ role: 'function_call_output', text: 'done' }]);
  });
});
