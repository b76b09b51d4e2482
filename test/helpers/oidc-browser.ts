/**
 * A scripted browser for tests: HTTPS requests that trust one test CA, a cookie jar, redirects
 * followed the way a browser follows them, and the HTML forms of the page it landed on, so a
 * test can walk an identity provider's real login, consent and device pages.
 * Also a `fetch` that trusts the same CA, for product code running inside the test process
 * (Node 20's global fetch reads NODE_EXTRA_CA_CERTS only at process start).
 * Test-only: it never runs JavaScript and never leaves the loopback addresses it is given.
 */
import http from 'node:http';
import https from 'node:https';

export interface Page {
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Form {
  id: string | null;
  action: string;
  method: 'get' | 'post';
  /** Hidden and visible inputs with their current values (name → value). */
  fields: Record<string, string>;
  /** Submit buttons that carry a name (e.g. the device page's `abort`), name → value. */
  buttons: Record<string, string>;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

/** One HTTP(S) request; no redirect following, body read whole. */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; ca?: string; signal?: AbortSignal } = {},
): Promise<{ status: number; statusText: string; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: { ...opts.headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) },
        ...(u.protocol === 'https:' ? { ca: opts.ca, agent: false } : { agent: false }),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * A WHATWG `fetch` over node:https that trusts `ca` (plus nothing else: tests talk only to
 * their own servers). Redirects are returned, not followed, which is what OAuth clients ask for.
 */
export function fetchTrusting(ca: string): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((v, k) => (headers[k] = v));
    let body: string | Buffer | undefined;
    const b = init?.body;
    if (typeof b === 'string') body = b;
    else if (b instanceof URLSearchParams) {
      body = b.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    } else if (b instanceof Uint8Array) body = Buffer.from(b);
    else if (b != null) throw new TypeError('fetchTrusting: unsupported body type');
    const res = await request(url, { method: init?.method ?? 'GET', headers, body, ca, signal: init?.signal ?? undefined });
    const out = new Headers();
    for (let i = 0; i < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    const nullBody = res.status === 204 || res.status === 304 || (init?.method ?? 'GET') === 'HEAD';
    const response = new Response(nullBody ? null : res.body, { status: res.status, statusText: res.statusText, headers: out });
    Object.defineProperty(response, 'url', { value: url });
    return response;
  };
}

export class ScriptedBrowser {
  private readonly cookies = new Map<string, Cookie>();
  /** Every URL requested, in order (redirects included). */
  readonly visited: string[] = [];

  constructor(private readonly ca: string) {}

  /** GET a URL and follow redirects until a page answers (or `stopAt` matches a redirect target). */
  get(url: string, stopAt?: (url: string) => boolean): Promise<Page> {
    return this.navigate('GET', url, undefined, stopAt);
  }

  /** Submit a form as a browser would: its fields, the overrides typed in, and the clicked button. */
  submit(page: Page, form: Form, values: Record<string, string> = {}, button?: string, stopAt?: (url: string) => boolean): Promise<Page> {
    const fields = { ...form.fields, ...values, ...(button !== undefined ? { [button]: form.buttons[button] ?? '' } : {}) };
    const action = new URL(form.action || page.url, page.url).href;
    const encoded = new URLSearchParams(fields).toString();
    if (form.method === 'get') {
      const u = new URL(action);
      u.search = encoded;
      return this.navigate('GET', u.href, undefined, stopAt);
    }
    return this.navigate('POST', action, encoded, stopAt);
  }

  private async navigate(method: string, url: string, body: string | undefined, stopAt?: (url: string) => boolean): Promise<Page> {
    for (let hops = 0; hops < 20; hops++) {
      this.visited.push(url);
      const u = new URL(url);
      const headers: Record<string, string> = { accept: 'text/html', 'user-agent': 'witness-test-browser' };
      const cookie = this.cookieHeader(u);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await request(url, { method, headers, body, ca: this.ca });
      this.storeCookies(u, res.headers['set-cookie']);
      const location = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(res.status) && location) {
        const next = new URL(location, url).href;
        if (stopAt?.(next)) return { url: next, status: res.status, headers: res.headers, body: '' };
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      return { url, status: res.status, headers: res.headers, body: res.body.toString('utf8') };
    }
    throw new Error(`ScriptedBrowser: too many redirects from ${url}`);
  }

  private cookieHeader(u: URL): string {
    return [...this.cookies.values()]
      .filter((c) => u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : c.path + '/'))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private storeCookies(u: URL, setCookie: string[] | undefined) {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = u.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k!.trim().toLowerCase();
        if (key === 'path') path = v.trim() || '/';
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
      }
      const id = `${name}\0${path}`;
      if (expired || value === '') this.cookies.delete(id);
      else this.cookies.set(id, { name, value, path });
    }
  }
}

/** The forms of a page: `<form>` elements, their inputs, and the named submit buttons tied to them. */
export function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  for (const m of html.matchAll(formRe)) {
    const attrs = parseAttributes(m[1]!);
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const a = parseAttributes(input[1]!);
      if (a.name && !['submit', 'button', 'image'].includes((a.type ?? '').toLowerCase())) fields[a.name] = a.value ?? '';
    }
    const buttons: Record<string, string> = {};
    for (const b of m[2]!.matchAll(/<button\b([^>]*)>/gi)) {
      const a = parseAttributes(b[1]!);
      if (a.name) buttons[a.name] = a.value ?? '';
    }
    forms.push({ id: attrs.id ?? null, action: attrs.action ?? '', method: (attrs.method ?? 'get').toLowerCase() === 'post' ? 'post' : 'get', fields, buttons });
  }
  // Buttons outside a form that name it with form="id" (the provider's device pages do this).
  for (const b of html.matchAll(/<button\b([^>]*)>/gi)) {
    const a = parseAttributes(b[1]!);
    const owner = a.form ? forms.find((f) => f.id === a.form) : undefined;
    if (owner && a.name) owner.buttons[a.name] = a.value ?? '';
  }
  return forms;
}

/** The one form on a page whose id or action matches, with a readable failure naming the page. */
export function findForm(page: Page, match: { id?: string; action?: RegExp } = {}): Form {
  const forms = parseForms(page.body);
  const form = forms.find((f) => (match.id === undefined || f.id === match.id) && (match.action === undefined || match.action.test(f.action)));
  if (!form) {
    const text = page.body.replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/gi, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    throw new Error(`No form ${JSON.stringify(match)} on ${page.url} (HTTP ${page.status}): ${text.slice(0, 500)}`);
  }
  return form;
}

function parseAttributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([A-Za-z_:][-\w:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    out[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const k = e.toLowerCase();
    if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
    if (k.startsWith('#')) return String.fromCodePoint(parseInt(k.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[k] ?? '';
  });
}
