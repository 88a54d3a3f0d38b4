import { useState } from 'react';
import { get } from '../api';
import { Loading } from '../components';
import { formatTime } from '../format';
import { href, setQuery, useRoute } from '../router';
import type { RegisteredModel } from '../types';
import { useLoad } from '../use-load';
import { quoteLiteral } from './experiments-list';

async function searchModels(filter: string | undefined): Promise<RegisteredModel[]> {
  const out: RegisteredModel[] = [];
  let pageToken: string | undefined;
  do {
    const page = await get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
      'registered-models/search',
      { max_results: 1000, order_by: 'name ASC', filter, page_token: pageToken },
    );
    out.push(...(page.registered_models ?? []));
    pageToken = page.next_page_token;
  } while (pageToken);
  return out;
}

/** The registered models, filtered by name. */
export function ModelsList() {
  const { query } = useRoute();
  const search = query.get('q') ?? '';
  const [draft, setDraft] = useState(search);
  const filter = search ? `name ILIKE ${quoteLiteral(`%${search}%`)}` : undefined;
  const models = useLoad(String(filter), () => searchModels(filter));
  return (
    <div className="page">
      <h1>Registered models</h1>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ q: draft.trim() });
        }}
      >
        <input
          type="search"
          aria-label="Search models"
          placeholder="Search models by name"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
      </form>
      <Loading loading={models.loading} error={models.error}>
        {() => (
          <table className="grid" data-testid="models">
            <thead>
              <tr>
                <th>Name</th>
                <th>Latest version</th>
                <th>Aliases</th>
                <th>Last modified</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {models.data!.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    No registered models
                  </td>
                </tr>
              )}
              {models.data!.map((m) => {
                const latest = Math.max(0, ...(m.latest_versions ?? []).map((v) => Number(v.version)));
                return (
                  <tr key={m.name}>
                    <td>
                      <a href={href('models', m.name)}>{m.name}</a>
                    </td>
                    <td>
                      {latest ? (
                        <a href={href('models', m.name, 'versions', String(latest))}>Version {latest}</a>
                      ) : (
                        ''
                      )}
                    </td>
                    <td>
                      {(m.aliases ?? []).map((a) => (
                        <span className="badge" key={a.alias}>
                          @{a.alias} → v{a.version}
                        </span>
                      ))}
                    </td>
                    <td>{formatTime(m.last_updated_timestamp)}</td>
                    <td>{m.description}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Loading>
    </div>
  );
}
