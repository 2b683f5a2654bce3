// A throwaway PostgreSQL cluster for tests: initdb in a temporary folder, a server on 127.0.0.1
// at a free port, removed again by stop(). Needs the server binaries (Debian: apt-get install
// postgresql); findPostgres() says why not when they are missing, so suites can skip.
import { spawn } from 'node:child_process';
import { chown, mkdtemp, readFile, readdir, rm, access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
  // URL of the cluster's `postgres` database, as superuser `postgres` (trust authentication).
  readonly url: string;
  readonly port: number;
  // Creates an empty database and returns its URL: one per test keeps tests independent.
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

type Found = { ok: true; binDir: string; runAs?: { uid: number; gid: number } } | { ok: false; reason: string };

let databaseCounter = 0;

// Binaries from $PG_BIN, else initdb on PATH, else Debian's /usr/lib/postgresql/<version>/bin.
export async function findPostgres(): Promise<Found> {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  candidates.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  const debianRoot = '/usr/lib/postgresql';
  const versions = await readdir(debianRoot).catch(() => [] as string[]);
  versions.sort((a, b) => Number(b) - Number(a));
  candidates.push(...versions.map((version) => join(debianRoot, version, 'bin')));

  let binDir: string | undefined;
  for (const dir of candidates) {
    if ((await isExecutable(join(dir, 'initdb'))) && (await isExecutable(join(dir, 'pg_ctl')))) {
      binDir = dir;
      break;
    }
  }
  if (binDir === undefined) {
    return {
      ok: false,
      reason: 'PostgreSQL server binaries (initdb, pg_ctl) not found on PATH, in $PG_BIN or /usr/lib/postgresql/*/bin; install the `postgresql` package',
    };
  }
  // initdb and postgres refuse to run as root.
  if (process.getuid?.() === 0) {
    const user = await systemUser('postgres');
    if (user === undefined) {
      return { ok: false, reason: 'running as root and there is no `postgres` user to run the server as' };
    }
    return { ok: true, binDir, runAs: user };
  }
  return { ok: true, binDir };
}

export async function startPostgres(): Promise<PostgresCluster> {
  const found = await findPostgres();
  if (!found.ok) throw new Error(`expected a PostgreSQL installation, but ${found.reason}`);
  const { binDir, runAs } = found;

  const root = await mkdtemp(join(tmpdir(), 'pg-test-'));
  if (runAs) await chown(root, runAs.uid, runAs.gid);
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  const run = (tool: string, args: string[]) => runTool(join(binDir, tool), args, runAs);

  try {
    await run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const port = await freePort();
    // The socket goes into the temporary folder: /var/run/postgresql may not exist or be writable.
    const serverOptions = [
      `-p ${port}`,
      `-k ${root}`,
      '-c listen_addresses=127.0.0.1',
      // Durability is pointless for a cluster deleted after the run, and fsync is slow on CI disks.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    try {
      await run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']);
    } catch (error) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`${(error as Error).message}\nserver log:\n${log}`);
    }
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    return {
      url,
      port,
      async createDatabase(name = `test_${process.pid}_${++databaseCounter}`) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE "${name}"`);
        } finally {
          await client.end();
        }
        return `postgresql://postgres@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        try {
          await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
        } finally {
          await rm(root, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

function runTool(path: string, args: string[], runAs?: { uid: number; gid: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    // pg_ctl start leaves the server running with our pipes open; output goes to the log file
    // instead so that the call returns once the server is up.
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'], ...runAs, cwd: tmpdir() });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`expected ${path} ${args.join(' ')} to exit with 0, it exited with ${code}:\n${output}`));
    });
  });
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function systemUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`expected a TCP address from the probe server, got ${String(address)}`));
      });
    });
  });
}
