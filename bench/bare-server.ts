// The baseline for the benchmarks: a bare Fastify route that answers with exactly what the app answered — the same
// status, the same headers and the same bytes, held in memory as a Buffer — so "% of the bare route" is a true
// ceiling: what Fastify and the loopback cost for that response, with none of the app's work.
// REPLAY_FILE names a JSON file of captured responses (bench/replay.ts); `/replay/:i` answers with the i-th.
import fs from 'node:fs';
import Fastify from 'fastify';
import type { CapturedResponse } from './replay.ts';

const port = Number(process.env.PORT ?? 0);
const captured = (JSON.parse(fs.readFileSync(process.env.REPLAY_FILE!, 'utf8')) as CapturedResponse[]).map((r) => ({
  ...r,
  body: Buffer.from(r.bodyBase64, 'base64'),
}));
const app = Fastify({ logger: false });
app.get<{ Params: { i: string } }>('/replay/:i', async (request, reply) => {
  const response = captured[Number(request.params.i)];
  if (!response) return reply.code(404).send();
  return reply.code(response.status).headers(response.headers).send(response.body);
});
const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
