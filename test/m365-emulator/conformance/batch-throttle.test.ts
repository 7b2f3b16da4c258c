/** $batch (json-batching.md) and Outlook throttling (throttling-limits.md), through the Graph SDK. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { graphError, noRetry, startWorld, type World } from './kit';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.stop();
});

const rdv = (subject: string) => ({
  subject,
  start: { dateTime: '2026-06-01T09:00:00', timeZone: 'UTC' },
  end: { dateTime: '2026-06-01T09:30:00', timeZone: 'UTC' },
});
const mailbox = (name: string) => w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: `${name}@testville.example`, displayName: name });
type BatchAnswer = { responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: Record<string, any> }> };

describe('$batch', () => {
  it('runs the requests and answers each with id, status, headers and body', async () => {
    const u = mailbox('batch1');
    const answer: BatchAnswer = await w.graph.api('/$batch').post({
      requests: [
        { id: '1', method: 'POST', url: `/users/${u.id}/events`, headers: { 'Content-Type': 'application/json' }, body: rdv('un') },
        { id: '2', method: 'GET', url: `/users/${u.id}` },
        { id: '3', method: 'GET', url: `/users/${u.id}/events/nope` },
      ],
    });
    const byId = Object.fromEntries(answer.responses.map((r) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual(['1', '2', '3']);
    expect(byId['1'].status).toBe(201);
    expect(byId['1'].body!.subject).toBe('un');
    expect(byId['1'].headers['Content-Type']).toMatch(/application\/json/);
    expect(byId['2'].body!.id).toBe(u.id);
    expect(byId['3'].status).toBe(404);
    expect(byId['3'].body!.error.code).toBe('ErrorItemNotFound');
  });

  it('refuses more than 20 requests, duplicate ids and a body without Content-Type', async () => {
    const get = (id: string) => ({ id, method: 'GET', url: `/users/${w.agent.id}` });
    expect((await graphError(w.graph.api('/$batch').post({ requests: Array.from({ length: 21 }, (_, i) => get(String(i))) }))).statusCode).toBe(400);
    expect((await graphError(w.graph.api('/$batch').post({ requests: [get('a'), get('a')] }))).statusCode).toBe(400);
    const noType = await graphError(w.graph.api('/$batch').post({ requests: [{ id: '1', method: 'POST', url: `/users/${w.agent.id}/events`, body: rdv('x') }] }));
    expect(noType.statusCode).toBe(400);
  });

  it('orders requests with dependsOn and answers 424 when a dependency failed', async () => {
    const u = mailbox('batch2');
    const answer: BatchAnswer = await w.graph.api('/$batch').post({
      requests: [
        { id: '1', method: 'PATCH', url: `/users/${u.id}/events/missing`, headers: { 'Content-Type': 'application/json' }, body: { subject: 'x' } },
        { id: '2', dependsOn: ['1'], method: 'GET', url: `/users/${u.id}/events` },
        { id: '3', method: 'POST', url: `/users/${u.id}/events`, headers: { 'Content-Type': 'application/json' }, body: rdv('trois') },
        { id: '4', dependsOn: ['3'], method: 'GET', url: `/users/${u.id}/events` },
      ],
    });
    const byId = Object.fromEntries(answer.responses.map((r) => [r.id, r]));
    expect(byId['1'].status).toBe(404);
    expect(byId['2'].status).toBe(424);
    expect(byId['4'].status).toBe(200);
    expect(byId['4'].body!.value.map((e: { subject: string }) => e.subject)).toEqual(['trois']);
  });

  it('throttles each inner request on its own: more than 4 concurrent on one mailbox give inner 429s', async () => {
    const u = mailbox('batch3');
    w.emulator.control.injectFault(u.id, { kind: 'latency', ms: 200, count: 4 });
    const answer: BatchAnswer = await w.graph.api('/$batch').post({ requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${u.id}/events` })) });
    const statuses = answer.responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const throttled = answer.responses.find((r) => r.status === 429)!;
    expect(throttled.headers['Retry-After']).toBeDefined();
    expect(throttled.body!.error).toMatchObject({ code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' });
  });

  it('can be set to dispatch at most four steps at a time, as one Microsoft answer describes', async () => {
    const u = mailbox('batch4');
    w.emulator.control.settings({ batchParallelism: 4 });
    try {
      w.emulator.control.injectFault(u.id, { kind: 'latency', ms: 50, count: 6 });
      const answer: BatchAnswer = await w.graph.api('/$batch').post({ requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${u.id}/events` })) });
      expect(answer.responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      w.emulator.control.settings({ batchParallelism: 20 });
    }
  });
});

describe('Throttling', () => {
  it('answers 429 MailboxConcurrency with Retry-After beyond 4 concurrent requests on one mailbox', async () => {
    const u = mailbox('conc');
    w.emulator.control.injectFault(u.id, { kind: 'latency', ms: 800, count: 4 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => noRetry(w.graph.api(`/users/${u.id}/events`)).get()));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { statusCode: number; code: string; message: string; headers: Headers });
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(failed).toHaveLength(2);
    expect(failed[0].statusCode).toBe(429);
    expect(failed[0].code).toBe('ApplicationThrottled');
    expect(failed[0].message).toBe('Application is over its MailboxConcurrency limit.');
    expect(failed[0].headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('enforces the settable rate window per app and mailbox', async () => {
    const u = mailbox('rate');
    const before = w.emulator.control.settings();
    w.emulator.control.settings({ rateLimit: 3, rateWindowMs: 60_000 });
    try {
      for (let i = 0; i < 3; i++) await w.graph.api(`/users/${u.id}/events`).get();
      const err = await graphError(noRetry(w.graph.api(`/users/${u.id}/events`)).get());
      expect(err.statusCode).toBe(429);
      expect(Number(err.headers!.get('retry-after'))).toBeGreaterThan(1);
      await expect(w.graph.api(`/users/${w.agent.id}/events`).get()).resolves.toHaveProperty('value');
    } finally {
      w.emulator.control.settings({ rateLimit: before.rateLimit, rateWindowMs: before.rateWindowMs });
    }
  });

  it('lets the SDK retry an injected 429 after Retry-After, and counts both calls', async () => {
    const u = mailbox('fault429');
    w.emulator.control.injectFault(u.id, { kind: 'status', status: 429, count: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const created = await w.graph.api(`/users/${u.id}/events`).post(rdv('après 429'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(created.subject).toBe('après 429');
    expect(w.emulator.control.requestLog({ userId: u.id }).map((e) => [e.kind, e.status])).toEqual([['events.create', 429], ['events.create', 201]]);
    expect(w.emulator.control.counters(u.id)).toMatchObject({ 'events.create': 2, throttled: 1, total: 2 });
  });

  it('injects 500 and 503 answers for a chosen kind of call', async () => {
    const u = mailbox('fault5xx');
    w.emulator.control.injectFault(u.id, { kind: 'status', status: 500, count: 1, callKind: 'calendarView.delta' });
    w.emulator.control.injectFault(u.id, { kind: 'status', status: 503, count: 1, callKind: 'events.get', retryAfterSeconds: 0 });
    await expect(w.graph.api(`/users/${u.id}/events`).get()).resolves.toHaveProperty('value');
    const err = await graphError(w.graph.api(`/users/${u.id}/calendarView/delta?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z`).get());
    expect(err.statusCode).toBe(500);
    const unavailable = await graphError(noRetry(w.graph.api(`/users/${u.id}/events/whatever`)).get());
    expect(unavailable.statusCode).toBe(503);
  });
});
