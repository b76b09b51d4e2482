/**
 * Live events: the request as forwarded (`interaction.started`), then the masked response
 * as it streams (`interaction.delta`), coalesced per exchange (one event per ~40 ms
 * instead of one per token, so the event ring keeps its history); and the record's pace
 * track for replay. Reads the Flow; writes only `flow.response.pace`.
 *
 * `interaction.started` is made and published after the request has gone upstream (on the
 * next check phase, before the upstream can have answered; at the latest before the
 * exchange's first delta or its end): publishing it reaches every subscriber of the control
 * API (the app's live view serialises and writes it), work the request need not wait for.
 * It says what it said before: the decision is taken when the request stages run, and the
 * rest (target, model, prompt, client headers) only the request stages write.
 */
import type { EventData } from '../../control/index.js';
import { clientInfo, MAX_RECORDED_TEXT_CHARS } from '../../protocols/index.js';
import type { Flow, Stage } from '../flow.js';

export interface LiveSink {
  started(e: Omit<EventData<'interaction.started'>, 'user'>): void;
  delta(e: EventData<'interaction.delta'>): void;
}

interface Pending {
  /** `interaction.started` not yet published: its decision (null: published, or none due). */
  started: 'masked' | 'allowed' | null;
  text: string;
  tools: Map<number, { name: string | null; text: string }>;
  timer: NodeJS.Timeout | null;
  textLen: number;
  toolLen: number;
}

export function liveEvents(opts: { live: LiveSink; now?: () => number }): Stage {
  const now = opts.now ?? Date.now;
  const pending = new WeakMap<Flow, Pending>();
  const pendingOf = (flow: Flow): Pending => {
    let p = pending.get(flow);
    if (!p) pending.set(flow, (p = { started: null, text: '', tools: new Map(), timer: null, textLen: 0, toolLen: 0 }));
    return p;
  };
  const publishStarted = (flow: Flow, p: Pending) => {
    const decision = p.started;
    if (!decision) return;
    p.started = null;
    const { req } = flow;
    opts.live.started({
      id: req.id,
      time: new Date(req.startedAt).toISOString(),
      endpoint: flow.kind,
      host: req.host,
      path: flow.path,
      model: flow.view.model,
      client: clientInfo(req.headers),
      prompt: flow.view.prompt,
      decision,
    });
  };
  const flush = (flow: Flow, p: Pending) => {
    publishStarted(flow, p);
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (!p.text && p.tools.size === 0) return;
    opts.live.delta({ id: flow.req.id, text: p.text, tools: [...p.tools].map(([index, t]) => ({ index, ...t })) });
    p.text = '';
    p.tools.clear();
  };
  return {
    name: 'live-events',
    request(flow) {
      const p = pendingOf(flow);
      p.started = flow.maskings.size ? 'masked' : 'allowed';
      setImmediate(publishStarted, flow, p);
    },
    responseEvent(flow, e) {
      const p = pendingOf(flow);
      publishStarted(flow, p);
      if (e.kind === 'text' && !e.channel.startsWith('rs:') && !e.channel.startsWith('thinking:')) {
        // The live view shows what a record keeps: past the cap, only the pace moves on.
        if (p.textLen < MAX_RECORDED_TEXT_CHARS) p.text += e.text.slice(0, MAX_RECORDED_TEXT_CHARS - p.textLen);
        p.textLen += e.text.length;
      } else if (e.kind === 'tool-call-start') p.tools.set(e.index, { name: e.name, text: p.tools.get(e.index)?.text ?? '' });
      else if (e.kind === 'tool-call-delta') {
        const t = p.tools.get(e.index) ?? { name: null, text: '' };
        if (p.toolLen < MAX_RECORDED_TEXT_CHARS) t.text += e.text.slice(0, MAX_RECORDED_TEXT_CHARS - p.toolLen);
        p.toolLen += e.text.length;
        p.tools.set(e.index, t);
      } else return;
      trackPace(flow.response.pace, now(), p.textLen, p.toolLen);
      const q = p;
      p.timer ??= setTimeout(() => flush(flow, q), 40);
    },
    end(flow) {
      const p = pending.get(flow);
      if (p) flush(flow, p);
    },
  };
}

const PACE_STEP_MS = 16;
const PACE_MAX_POINTS = 1000;

/** Adds a point to a pace track: one per ≥16 ms; past 1000 points, every other one is dropped. */
export function trackPace(pace: Array<[number, number, number]>, t: number, textLen: number, toolLen: number) {
  const last = pace[pace.length - 1];
  if (last && t - last[0] < PACE_STEP_MS && pace.length > 1) {
    last[1] = textLen;
    last[2] = toolLen;
    return;
  }
  pace.push([t, textLen, toolLen]);
  if (pace.length > PACE_MAX_POINTS) {
    const kept = pace.filter((_, i) => i % 2 === 0 || i === pace.length - 1);
    pace.splice(0, pace.length, ...kept);
  }
}
