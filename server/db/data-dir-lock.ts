// One embedded data folder, one process. PGlite has no lock of its own: a second process opening the same folder
// is accepted, and the two engines overwrite each other's pages, losing figures the first had acknowledged. The
// process that opens a folder writes a lock file into it (created exclusively: the file system decides who wins),
// naming itself; another process reads that name and refuses. A holder killed with -9 leaves its file behind: on
// this machine we know at once whether that process still runs (its pid, and its start time so that a reused pid is
// not mistaken for it); a holder on another machine sharing the folder is judged by the heartbeat it keeps on the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'tracker.lock';
/** How often a holder touches its lock file, and how long without a touch before another machine may take it over. */
const HEARTBEAT_MS = 10_000;
const STALE_MS = 60_000;

interface Holder {
  pid: number;
  host: string;
  /** The process's start time as the kernel counts it (Linux), so that a pid reused by another process is not trusted. */
  processStart: string | null;
  command: string;
  startedAt: string;
}

/** Another process has the folder open: the message says which, and what to do instead. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: Holder | null,
    readonly lockFile: string,
  ) {
    super(describeRefusal(dataDir, holder, lockFile));
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  /** Gives the folder up (idempotent). */
  release(): void;
  /** Writes the holder's record again: loading a tarball into the folder replaces the file with the dumped process's. */
  reassert(): void;
}

/** Folders locked by this process: a second open of one in the same process is refused too (two engines, one folder). */
const heldHere = new Set<string>();

export function lockDataDir(dataDir: string): DataDirLock {
  const folder = path.resolve(dataDir);
  const file = path.join(folder, LOCK_FILE);
  if (heldHere.has(folder)) throw new DataDirLockedError(folder, thisProcess(), file);
  const me = thisProcess();
  const record = `${JSON.stringify(me, null, 2)}\n`;

  // Two rounds: the second after taking over a stale file (if another process took it over first, we lose fairly).
  for (let round = 0; ; round++) {
    try {
      fs.writeFileSync(file, record, { flag: 'wx', mode: 0o644 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (round > 0 || !isStale(file, holder)) throw new DataDirLockedError(folder, holder, file);
    takeOverStale(file, holder);
  }

  heldHere.add(folder);
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now, () => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    heldHere.delete(folder);
    process.off('exit', release);
    // Only our own file: never remove a lock someone else holds.
    try {
      if (readHolder(file)?.pid === me.pid && readHolder(file)?.startedAt === me.startedAt) fs.unlinkSync(file);
    } catch {
      // Already gone: nothing to give up.
    }
  };
  // process.exit() skips close(): the file goes anyway (after kill -9 the liveness check deals with it).
  process.on('exit', release);
  return { release, reassert: () => fs.writeFileSync(file, record) };
}

function thisProcess(): Holder {
  return {
    pid: process.pid,
    host: os.hostname(),
    processStart: processStart(process.pid),
    command: commandLine(),
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
  };
}

/** What a person would recognise: "npm start", "npm run cli -- user create …", or the node command line. */
function commandLine(): string {
  const event = process.env.npm_lifecycle_event;
  const args = process.argv.slice(2).join(' ');
  const script = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) || process.argv[1] : '';
  let command: string;
  // npm's variables are inherited by everything it starts: they describe us only when its script runs this very file.
  if (event && script && process.env.npm_lifecycle_script?.includes(script)) {
    command = ['start', 'test'].includes(event) ? `npm ${event}` : `npm run ${event}${args ? ' --' : ''}`;
  } else {
    command = `node ${script}`.trim();
  }
  const full = args ? `${command} ${args}` : command;
  return full.length > 120 ? `${full.slice(0, 117)}...` : full;
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may itself hold spaces); null off Linux. */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function readHolder(file: string): Holder | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return {
      pid: parsed.pid,
      host: parsed.host,
      processStart: typeof parsed.processStart === 'string' ? parsed.processStart : null,
      command: typeof parsed.command === 'string' ? parsed.command : 'unknown',
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : 'unknown',
    };
  } catch {
    // Unreadable or half-written (a holder killed while writing it): judged by its age alone.
    return null;
  }
}

function isStale(file: string, holder: Holder | null): boolean {
  if (holder && holder.host === os.hostname()) {
    // Our own pid in the file is a previous life of this process (a container restarted as pid 1 again): we hold nothing yet.
    if (holder.pid === process.pid) return true;
    if (!isAlive(holder.pid)) return true;
    const start = processStart(holder.pid);
    return start !== null && holder.processStart !== null && start !== holder.processStart;
  }
  // Another machine (a shared folder), or no readable record: only the heartbeat tells.
  try {
    return Date.now() - fs.statSync(file).mtimeMs > STALE_MS;
  } catch {
    return true;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale file aside under a name of our own, then checks that what we moved is what we judged: had another
 * process taken the folder over in between, its live lock is put back (link does not overwrite) and we refuse.
 */
function takeOverStale(file: string, judged: Holder | null): void {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else moved it first: the next round of exclusive creation decides
  }
  const moved = readHolder(aside);
  const same = JSON.stringify(moved) === JSON.stringify(judged);
  if (!same) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // A third process holds it now; the next round refuses.
    }
  }
  fs.rmSync(aside, { force: true });
}

function describeRefusal(dataDir: string, holder: Holder | null, lockFile: string): string {
  const who = holder
    ? holder.pid === process.pid && holder.host === os.hostname()
      ? 'this same process (it is already open here)'
      : `process ${holder.pid} (${holder.command}${holder.host === os.hostname() ? '' : ` on ${holder.host}`}, started ${formatTime(holder.startedAt)})`
    : `another process (see ${lockFile})`;
  const remote = holder && holder.host !== os.hostname()
    ? ` If that process has stopped, the folder is taken over ${STALE_MS / 1000} s after its last sign of life, or delete ${lockFile}.`
    : '';
  return (
    `The embedded database in ${dataDir} is in use by ${who}; only one process at a time may open it. ` +
    `Stop the server first and run this again, or run the tracker and its commands on PostgreSQL (DATABASE_URL).${remote}`
  );
}

function formatTime(iso: string): string {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? iso : `${when.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
