// Two (or INSTANCES) app instances behind one port, for bench/country.ts: node:cluster forks each as `npm start`
// would run it, and the primary shares the listening socket between them.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

const instances = Number(process.env.INSTANCES ?? 2);
cluster.setupPrimary({ exec: fileURLToPath(new URL('../server/start.mjs', import.meta.url)) });
for (let i = 0; i < instances; i++) cluster.fork();
const stop = () => {
  for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
cluster.on('exit', () => {
  if (!Object.keys(cluster.workers ?? {}).length) process.exit(0);
});
