// The baseline for the benchmarks: a bare Fastify route that returns a page of the given size from memory.
import Fastify from 'fastify';

const size = Number(process.env.PAGE_BYTES ?? 100_000);
const port = Number(process.env.PORT ?? 0);
const page = `<!DOCTYPE html><html><body>${'x'.repeat(Math.max(0, size - 40))}</body></html>`;
const app = Fastify({ logger: false });
app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
