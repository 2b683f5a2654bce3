// Prisma's schema engine (the part behind `prisma migrate`), run from its WebAssembly build
// over a driver adapter, so migrations need neither the native engine binary nor a network.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { DatabaseTarget } from './database-url.ts';
import { adapterFactoryFor } from './schema-engine-adapters.ts';

// The project's lib has no DOM, hence no WebAssembly values in its types; these are the calls used.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let loading: Promise<void> | undefined;

// The package's entry imports the .wasm file as an ES module, which Node 20 only allows with
// --experimental-wasm-modules. Instantiating the module here does the same without any flag.
// Once per process: the bindings keep the instance in a module-level variable.
function loadEngineWasm(): Promise<void> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const bindingsPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(bindingsPath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': engineBindings,
    });
    engineBindings.__wbg_set_wasm(instance.exports as never);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return loading;
}

function databaseMessage(error: unknown): string {
  const cause = (error as { cause?: { originalMessage?: string; message?: string } } | undefined)?.cause;
  return cause?.originalMessage ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export interface EngineSession {
  engine: SchemaEngine;
  // The engine reports database errors as "External error id#N"; this puts the database's own
  // message in their place.
  explain(error: unknown): Error;
  // Frees the engine and closes every connection it opened (an open pg pool would keep the
  // process alive; an open SQLite handle keeps the file busy).
  close(): Promise<void>;
}

export async function openSchemaEngine(target: DatabaseTarget): Promise<EngineSession> {
  await loadEngineWasm();
  const factory = adapterFactoryFor(target);
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => remember(await factory.connect()),
    connectToShadowDb: async () => remember(await factory.connectToShadowDb()),
  };
  function remember(adapter: SqlDriverAdapter): SqlDriverAdapter {
    opened.push(adapter);
    return adapter;
  }
  const bound = bindMigrationAwareSqlAdapterFactory(tracked);
  function explain(error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    const explained = message.replace(/External error id#(\d+)/g, (whole, id: string) => {
      const record = bound.errorRegistry.consumeError(Number(id));
      return record === undefined ? whole : databaseMessage(record.error);
    });
    return new Error(explained, { cause: error });
  }
  let engine: SchemaEngine;
  try {
    // No datamodel: every command used here gets its schemas and migrations as arguments.
    engine = await engineBindings.SchemaEngine.new({ datamodels: undefined }, () => {}, bound);
  } catch (error) {
    await Promise.allSettled(opened.splice(0).map((adapter) => adapter.dispose()));
    throw explain(error);
  }
  return {
    engine,
    explain,
    async close() {
      engine.free();
      const adapters = opened.splice(0);
      await Promise.allSettled(adapters.map((adapter) => adapter.dispose()));
    },
  };
}
