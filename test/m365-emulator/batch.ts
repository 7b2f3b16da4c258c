/**
 * POST /$batch (concepts/json-batching.md): up to 20 requests with unique ids; a request with a body needs a
 * Content-Type header; `dependsOn` orders requests and a failed dependency answers 424; independent requests run
 * concurrently, so each is throttled on its own (more than 4 to one mailbox may give inner 429s); responses come
 * in completion order.
 */
import { randomUUID } from 'node:crypto';
import { graphError, type GraphRequest, type GraphResponse } from './graph-http';

export const MAX_BATCH = 20;

interface InnerRequest { id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown; dependsOn?: string[] }

/**
 * `parallelism` bounds how many steps run at once. Sources disagree: community reports (and Microsoft Q&A answers)
 * show a 5-step batch on one mailbox getting an inner 429 MailboxConcurrency, while another Microsoft answer says
 * Graph dispatches at most four steps of a batch at a time. Default 20 reproduces the former; 4 gives the latter.
 */
export async function runBatch(req: GraphRequest, dispatch: (r: GraphRequest) => Promise<GraphResponse>, parallelism = MAX_BATCH): Promise<GraphResponse> {
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async (): Promise<() => void> => {
    if (running >= parallelism) await new Promise<void>((ok) => waiting.push(ok));
    running++;
    return () => {
      running--;
      waiting.shift()?.();
    };
  };
  const b = req.body as { requests?: InnerRequest[] } | undefined;
  if (!b || !Array.isArray(b.requests)) return graphError(req, 400, 'BadRequest', 'Invalid batch payload format: a "requests" array is required.');
  const list = b.requests;
  if (list.length > MAX_BATCH) return graphError(req, 400, 'BadRequest', `Number of batch request steps exceeds the maximum of ${MAX_BATCH}.`);
  const ids = new Set<string>();
  for (const r of list) {
    if (!r || typeof r.id !== 'string' || !r.id || typeof r.method !== 'string' || typeof r.url !== 'string') return graphError(req, 400, 'BadRequest', 'Invalid batch payload format: each request needs id, method and url.');
    if (ids.has(r.id)) return graphError(req, 400, 'BadRequest', `Batch request contains duplicate id '${r.id}'.`);
    ids.add(r.id);
  }
  for (const r of list) {
    for (const d of r.dependsOn ?? []) if (!ids.has(d) || d === r.id) return graphError(req, 400, 'BadRequest', `Request '${r.id}' depends on unknown request '${d}'.`);
    const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    if (r.body !== undefined && r.body !== null && !headers['content-type']) return graphError(req, 400, 'BadRequest', `Write request id : ${r.id} does not contain Content-Type header or body.`);
  }
  const done = new Map<string, Promise<GraphResponse>>();
  const responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> = [];
  const run = async (r: InnerRequest): Promise<GraphResponse> => {
    const deps = await Promise.all((r.dependsOn ?? []).map((d) => start(d)));
    let res: GraphResponse;
    if (deps.some((d) => d.status >= 400)) {
      res = graphError(req, 424, 'FailedDependency', 'A request this request depends on failed.');
    } else {
      let url = r.url.trim();
      url = url.replace(/^https:\/\/[^/]+\/v1\.0/i, '').replace(/^\/?v1\.0(?=\/)/i, '');
      if (!url.startsWith('/')) url = '/' + url;
      const q = url.indexOf('?');
      const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const release = await slot();
      try {
        res = await dispatch({
          method: r.method.toUpperCase(),
          path: q < 0 ? url : url.slice(0, q),
          query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
          headers,
          body: typeof r.body === 'string' && /json/i.test(headers['content-type'] ?? '') ? JSON.parse(r.body) : r.body,
          auth: req.auth,
          inBatch: true,
          requestId: randomUUID(),
          graphBase: req.graphBase,
        });
      } catch {
        res = graphError(req, 500, 'InternalServerError', 'The inner request failed.');
      } finally {
        release();
      }
    }
    const headers: Record<string, string> = { ...(res.headers ?? {}) };
    if (res.body !== undefined) headers['Content-Type'] = 'application/json';
    responses.push({ id: r.id, status: res.status, headers, ...(res.body !== undefined ? { body: res.body } : {}) });
    return res;
  };
  const byId = new Map(list.map((r) => [r.id, r]));
  const start = (id: string): Promise<GraphResponse> => {
    let p = done.get(id);
    if (!p) {
      p = run(byId.get(id)!);
      done.set(id, p);
    }
    return p;
  };
  // A dependency cycle would wait forever: refuse it first.
  const visiting = new Set<string>();
  const cyclic = (id: string, seen: Set<string>): boolean => {
    if (seen.has(id)) return true;
    if (visiting.has(id)) return false;
    const next = new Set(seen).add(id);
    const c = (byId.get(id)!.dependsOn ?? []).some((d) => cyclic(d, next));
    visiting.add(id);
    return c;
  };
  if (list.some((r) => cyclic(r.id, new Set()))) return graphError(req, 400, 'BadRequest', 'The dependsOn graph of the batch has a cycle.');
  await Promise.all(list.map((r) => start(r.id)));
  return { status: 200, body: { responses } };
}
