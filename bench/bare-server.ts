// The baseline for the benchmarks: a bare Fastify route that returns a page of a given size from memory.
// `/` is PAGE_BYTES long; `/bytes/:n` is n bytes long (made once, then served from memory), so each endpoint measured
// can be set against a bare response of its own size.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 0);
const pageOf = (size: number) => `<!DOCTYPE html><html><body>${'x'.repeat(Math.max(0, size - 40))}</body></html>`;
const pages = new Map<number, string>();
const page = (size: number) => pages.get(size) ?? pages.set(size, pageOf(size)).get(size)!;
const app = Fastify({ logger: false });
app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page(Number(process.env.PAGE_BYTES ?? 100_000))));
app.get<{ Params: { n: string } }>('/bytes/:n', async (request, reply) => reply.type('text/html; charset=utf-8').send(page(Math.min(10_000_000, Number(request.params.n) || 0))));
const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
