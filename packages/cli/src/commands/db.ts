import { Command } from 'commander';
import { Kysely } from 'kysely';
import { adapterForUri, migrateToLatest } from '@ferry/store';

/** `ferry db upgrade <uri>`: apply pending migrations without starting a server (as `mlflow db upgrade`). */
export function dbCommand(): Command {
  const db = new Command('db').description('Manage the tracking database');
  db.command('upgrade')
    .description('Bring the database schema up to date')
    .argument('<uri>', 'backend store URI (sqlite:///path.db, postgresql://...)')
    .action(async (uri: string) => {
      const adapter = adapterForUri(uri);
      const kysely = new Kysely<unknown>({ dialect: adapter.createDialect() });
      try {
        const outcome = await migrateToLatest(kysely, adapter);
        for (const name of outcome.applied) console.log(`applied ${name}`);
        if (outcome.error !== undefined) throw outcome.error;
        if (outcome.applied.length === 0) console.log(`${adapter.description} is up to date`);
      } finally {
        await kysely.destroy();
      }
    });
  return db;
}
