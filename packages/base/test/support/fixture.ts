/**
 * The conformance fixture (../shared/spec/FIXTURE.md), the real Rust server,
 * for the kernel's live tests: built with cargo (a no-op when up to date),
 * started on a free loopback port, and MWTs signed with its test secret.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const binary = join(process.env['CARGO_TARGET_DIR'] ? resolve(process.env['CARGO_TARGET_DIR']) : join(root, 'target'), 'debug', 'afi-fixture');

/** `cargo build -p afi-fixture`: seconds when it is up to date, as it is after `cargo test`. */
export function buildFixture(): void {
  execFileSync('cargo', ['build', '--quiet', '--locked', '-p', 'afi-fixture'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface Fixture {
  /** `http://127.0.0.1:<port>/api/mizan` */
  baseUrl: string;
  /** `127.0.0.1:<port>`, to start it again on the same address. */
  addr: string;
  stop(): Promise<void>;
}

/** Starts the fixture (fresh seed state) on `addr`, by default a free port. */
export async function startFixture(addr = '127.0.0.1:0'): Promise<Fixture> {
  const child = spawn(binary, [], {
    cwd: root,
    env: { ...process.env, RUST_BACKTRACE: '0', MIZAN_FIXTURE_ADDR: addr },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  const listening = await new Promise<string>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`afi-fixture exited (${code}) before listening`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening on (\S+)$/.exec(line);
      if (m?.[1]) done(m[1]);
    });
  });
  return {
    baseUrl: `http://${listening}/api/mizan`,
    addr: listening,
    async stop() {
      child.kill();
      await exited;
    },
  };
}

const SECRET = 'fixture-mwt-secret-0123456789abcdef';

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** An MWT (../shared/spec/MWT.md) for fixture user `sub`, signed with the fixture's secret, valid for `ttl` seconds. */
export function mwt(sub: number, { staff = false, ttl = 300 } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const pkey = createHash('sha256').update(`{"perms":[],"staff":${staff},"superuser":false}`).digest('hex');
  const claims: Record<string, unknown> = { aud: 'mizan', exp: now + ttl, iat: now, nbf: now, pkey, sub: String(sub) };
  if (staff) claims['staff'] = true;
  const head = `${base64url(JSON.stringify({ alg: 'HS256', kid: 'k1', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
}
