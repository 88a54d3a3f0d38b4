import { describe, expect, it } from 'vitest';
import type { ModelVersionEvent } from '../src/index.js';
import { SqlRegistryStore } from '../src/index.js';
import { BACKENDS } from './backends.js';
import { expectFerryError, freezeTime, range, useFreshStore } from './helpers.js';

/** An event without its id (ids are only promised to increase), for comparing whole histories. */
const withoutId = ({ id: _id, ...rest }: ModelVersionEvent) => rest;

describe.each(BACKENDS)('model version history on $name', (backend) => {
  const fresh = useFreshStore(backend);
  const registry = () => new SqlRegistryStore(fresh.store);
  const source = 'mlflow-artifacts:/1/abc/artifacts/model';

  async function modelWithVersions(name: string, count: number): Promise<SqlRegistryStore> {
    const reg = registry();
    await reg.createRegisteredModel({ name });
    for (const _ of range(count)) await reg.createModelVersion({ name, source });
    return reg;
  }

  it('records the creation, with the user when one is given', async () => {
    freezeTime(1_700_000_000_000);
    const reg = registry();
    await reg.createRegisteredModel({ name: 'm' });
    await reg.createModelVersion({ name: 'm', source, userId: 'ada' });
    await reg.createModelVersion({ name: 'm', source });
    expect((await reg.getModelVersionHistory('m', 1)).map(withoutId)).toEqual([
      {
        name: 'm',
        version: '1',
        kind: 'created',
        to_stage: 'None',
        user_id: 'ada',
        timestamp: 1_700_000_000_000,
      },
    ]);
    expect((await reg.getModelVersionHistory('m', 2)).map(withoutId)).toEqual([
      { name: 'm', version: '2', kind: 'created', to_stage: 'None', timestamp: 1_700_000_000_000 },
    ]);
  });

  it('lists stage transitions newest first, with the stage before and after; same-stage ones are not changes', async () => {
    const reg = await modelWithVersions('m', 1);
    freezeTime(2_000);
    await reg.transitionModelVersionStage('m', 1, 'Staging', false);
    freezeTime(3_000);
    await reg.transitionModelVersionStage('m', 1, 'Staging', false);
    await reg.transitionModelVersionStage('m', 1, 'Production', false);
    const history = await reg.getModelVersionHistory('m', 1);
    expect(history.map(withoutId)).toEqual([
      {
        name: 'm',
        version: '1',
        kind: 'stage_transition',
        from_stage: 'Staging',
        to_stage: 'Production',
        timestamp: 3_000,
      },
      {
        name: 'm',
        version: '1',
        kind: 'stage_transition',
        from_stage: 'None',
        to_stage: 'Staging',
        timestamp: 2_000,
      },
      expect.objectContaining({ kind: 'created' }),
    ]);
    const ids = history.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('gives versions archived by archive_existing_versions a transition of their own', async () => {
    const reg = await modelWithVersions('m', 3);
    await reg.transitionModelVersionStage('m', 1, 'Production', false);
    await reg.transitionModelVersionStage('m', 2, 'Staging', false);
    freezeTime(5_000);
    await reg.transitionModelVersionStage('m', 3, 'Production', true);
    const [archived] = await reg.getModelVersionHistory('m', 1);
    expect(withoutId(archived!)).toEqual({
      name: 'm',
      version: '1',
      kind: 'stage_transition',
      from_stage: 'Production',
      to_stage: 'Archived',
      timestamp: 5_000,
    });
    // Only versions in the target stage are archived; the one in Staging has no new event.
    expect((await reg.getModelVersionHistory('m', 2)).map((e) => e.to_stage)).toEqual(['Staging', 'None']);
    expect((await reg.getModelVersionHistory('m', 3)).map((e) => `${e.from_stage}->${e.to_stage}`)).toEqual([
      'None->Production',
      'undefined->None',
    ]);
  });

  it('records aliases set, moved (on both versions) and removed; re-setting the same target is no change', async () => {
    const reg = await modelWithVersions('m', 2);
    freezeTime(10);
    await reg.setRegisteredModelAlias('m', 'champion', 1);
    await reg.setRegisteredModelAlias('m', 'champion', 1);
    freezeTime(20);
    await reg.setRegisteredModelAlias('m', 'champion', 2);
    freezeTime(30);
    await reg.deleteRegisteredModelAlias('m', 'champion');
    // Deleting an alias that is not set changes nothing.
    await reg.deleteRegisteredModelAlias('m', 'champion');
    const summary = async (v: number) =>
      (await reg.getModelVersionHistory('m', v))
        .filter((e) => e.kind !== 'created')
        .map((e) => `${e.timestamp} ${e.kind} ${e.alias}`);
    expect(await summary(1)).toEqual(['20 alias_removed champion', '10 alias_set champion']);
    expect(await summary(2)).toEqual(['30 alias_removed champion', '20 alias_set champion']);
  });

  it('keeps the history through a rename, under the new name', async () => {
    const reg = await modelWithVersions('old', 1);
    await reg.transitionModelVersionStage('old', 1, 'Staging', false);
    await reg.setRegisteredModelAlias('old', 'a', 1);
    await reg.renameRegisteredModel('old', 'new');
    const history = await reg.getModelVersionHistory('new', 1);
    expect(history.map((e) => e.kind)).toEqual(['alias_set', 'stage_transition', 'created']);
    expect(new Set(history.map((e) => e.name))).toEqual(new Set(['new']));
    await expectFerryError(
      reg.getModelVersionHistory('old', 1),
      'RESOURCE_DOES_NOT_EXIST',
      'Registered Model with name=old not found',
    );
  });

  it('deletes a version’s history with the version; its number is not reused, so nothing leaks to a new one', async () => {
    const reg = await modelWithVersions('m', 2);
    await reg.transitionModelVersionStage('m', 2, 'Staging', false);
    await reg.deleteModelVersion('m', 2);
    await expectFerryError(
      reg.getModelVersionHistory('m', 2),
      'RESOURCE_DOES_NOT_EXIST',
      'Model Version (name=m, version=2) not found',
    );
    const rows = await fresh.opened.database.query(
      'select count(*) as n from model_version_events where version = 2',
    );
    expect(Number(rows[0]?.['n'])).toBe(0);
    await reg.createModelVersion({ name: 'm', source });
    expect((await reg.getModelVersionHistory('m', 3)).map((e) => e.kind)).toEqual(['created']);
  });

  it('deletes the history of every version with the model', async () => {
    const reg = await modelWithVersions('m', 2);
    await reg.setRegisteredModelAlias('m', 'a', 2);
    await reg.deleteRegisteredModel('m');
    const rows = await fresh.opened.database.query('select count(*) as n from model_version_events');
    expect(Number(rows[0]?.['n'])).toBe(0);
  });

  it('answers unknown models and versions with RESOURCE_DOES_NOT_EXIST', async () => {
    const reg = await modelWithVersions('m', 1);
    await expectFerryError(
      reg.getModelVersionHistory('nope', 1),
      'RESOURCE_DOES_NOT_EXIST',
      'Registered Model with name=nope not found',
    );
    await expectFerryError(
      reg.getModelVersionHistory('m', 7),
      'RESOURCE_DOES_NOT_EXIST',
      'Model Version (name=m, version=7) not found',
    );
  });

  it('writes the event in the change’s transaction: a failed change leaves no event', async () => {
    const reg = await modelWithVersions('m', 1);
    await expectFerryError(reg.setRegisteredModelAlias('m', 'a', 9), 'RESOURCE_DOES_NOT_EXIST');
    await expectFerryError(
      reg.transitionModelVersionStage('m', 9, 'Staging', false),
      'RESOURCE_DOES_NOT_EXIST',
    );
    const rows = await fresh.opened.database.query('select count(*) as n from model_version_events');
    expect(Number(rows[0]?.['n'])).toBe(1);
  });

  it('records concurrent alias moves as a consistent chain', async () => {
    const reg = await modelWithVersions('m', 4);
    await Promise.all([1, 2, 3, 4].map((v) => reg.setRegisteredModelAlias('m', 'x', v)));
    const events = (await Promise.all([1, 2, 3, 4].map((v) => reg.getModelVersionHistory('m', v))))
      .flat()
      .filter((e) => e.kind !== 'created')
      .sort((a, b) => Number(a.id) - Number(b.id));
    // Every removal names the version the previous set pointed at; the last set is the alias's target.
    let target: string | undefined;
    for (const e of events) {
      if (e.kind === 'alias_removed') expect(e.version).toBe(target);
      else target = e.version;
    }
    expect((await reg.getModelVersionByAlias('m', 'x')).version).toBe(target);
  });
});
