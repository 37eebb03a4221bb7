import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

/** The subset of Prisma's WASM schema engine we use. */
export interface WasmSchemaEngine {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };

type WasmExports = Record<string, unknown>;
/** WebAssembly as Node provides it (the ES lib set we compile against does not declare it). */
const wasmRuntime = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(bytes: Buffer, imports: object): Promise<{ instance: { exports: WasmExports } }>;
    };
  }
).WebAssembly;

type EngineBindings = {
  __wbg_set_wasm(exports: WasmExports): void;
  SchemaEngine: {
    new: (options: unknown, log: (line: string) => void, adapter: unknown) => Promise<WasmSchemaEngine>;
  };
};

let bindingsReady: Promise<EngineBindings> | undefined;

/** The WASM module is instantiated once per process: a second instance would corrupt the first's glue state. */
function engineBindings(): Promise<EngineBindings> {
  bindingsReady ??= (async () => {
    // Node's own loader (not a bundler's or test runner's): the glue and the instance must share state.
    const nodeRequire = createRequire(__filename);
    const bindings = nodeRequire('@prisma/schema-engine-wasm/schema_engine_bg') as EngineBindings &
      Record<string, unknown>;
    const wasmPath = join(
      dirname(nodeRequire.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    );
    const { instance } = await wasmRuntime.instantiate(readFileSync(wasmPath), {
      './schema_engine_bg.js': bindings,
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return bindings;
  })();
  return bindingsReady;
}

/**
 * Prisma's own schema engine compiled to WebAssembly: migrations without the native binary the
 * CLI would download. Node 20 cannot `import` a .wasm file, so it is instantiated by hand.
 *
 * The engine is scoped to `use`: it takes PostgreSQL's migration advisory lock on its connection and
 * never unlocks it (the native engine relies on exiting), so the pool is ended afterwards. Left to
 * the pool's idle timeout, the lock outlived the call by 10 s — as long as the next caller's lock
 * wait — and a second migration run in the same process timed out now and then.
 */
export async function withSchemaEngine<T>(
  databaseUrl: string,
  schemaPath: string,
  use: (engine: WasmSchemaEngine) => Promise<T>,
): Promise<T> {
  const bindings = await engineBindings();
  const pool = new Pool({ connectionString: databaseUrl });
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
  let engine: (WasmSchemaEngine & { free(): void }) | undefined;
  try {
    engine = (await bindings.SchemaEngine.new(
      { datamodels: [[schemaPath, readFileSync(schemaPath, 'utf8')]] },
      () => undefined,
      adapter,
    )) as WasmSchemaEngine & { free(): void };
    return await use(engine);
  } finally {
    engine?.free();
    await pool.end();
  }
}

/** The migration folders (those holding a migration.sql), in the order they apply. */
export function migrationNames(migrationsDir: string): string[] {
  if (!existsSync(migrationsDir)) return [];
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

/** The migrations folder in the engine's terms; `path` is the folder name, as `migrate deploy` records it. */
export function migrationList(migrationsDir: string) {
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  const names = migrationNames(migrationsDir);
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: join(migrationsDir, name, 'migration.sql'),
        content: { tag: 'ok', value: readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}
