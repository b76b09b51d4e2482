/** Subscribes to the control API event stream; returns the events seen and a way to stop. */
export async function openEventStream(baseUrl: string, token: string, onEvent: (type: string, data: any, id: string) => void, headers: Record<string, string> = {}) {
  const ctrl = new AbortController();
  const res = await fetch(`${baseUrl}/api/v1/events`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: ctrl.signal });
  if (res.status !== 200) throw new Error(`event stream: HTTP ${res.status}`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const done = (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const id = /^id: (.*)$/m.exec(block)?.[1] ?? '';
          if (data && type) onEvent(type, JSON.parse(data).data, id);
        }
      }
    } catch {
      /* aborted or the engine died */
    }
  })();
  return { close: () => ctrl.abort(), done };
}
