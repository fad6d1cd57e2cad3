import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import type { ApiDocumentation } from '../openapi/document.js';
import { referenceModel } from './api-reference-model.js';
import { hasRole, shellProps } from './shell.js';
import { ApiReferencePage } from '../../../views/pages/settings/api-reference.js';

/** GET /settings/api: the API reference, readable by every signed-in role. */
export function apiReferencePages(deps: AppDeps, docs: ApiDocumentation) {
  let model: ReturnType<typeof referenceModel> | undefined;
  return new Hono<AppEnv>().get('/', (c) =>
    c.html(
      <ApiReferencePage
        {...shellProps(c, deps)}
        reference={(model ??= referenceModel(docs.document()))}
        isAdmin={hasRole(c, 'admin')}
      />,
    ),
  );
}
