import { Time } from '../../partials/time.js';

export interface HqConnectionProps {
  /** The address HQ would use, as this page was reached. */
  baseUrl: string;
  timezone: string;
  https?:
    { fingerprint256: string; subject: string; validTo: string; selfSigned: boolean } | undefined;
}

/** What an HQ admin needs to connect a poller: the endpoints and the certificate to trust. */
export function HqConnection(p: HqConnectionProps) {
  const endpoints = [
    ['/api/v1/site', 'site summary (send If-None-Match: unchanged answers 304)'],
    ['/api/v1/changes?since=…', 'change feed: devices, incidents and backup runs since a cursor'],
    ['/metrics', 'Prometheus metrics (a read token, or basic auth with a user)'],
    ['/api/v1/openapi.json', 'OpenAPI 3.1 description of the whole API'],
  ] as const;
  return (
    <section class="card" id="hq">
      <h2>Connecting HQ</h2>
      <p class="muted">
        Give HQ a token with the <strong>read</strong> scope: it can read everything below and
        change nothing.
      </p>
      <ul class="endpoints">
        {endpoints.map(([path, what]) => (
          <li>
            <code>
              {p.baseUrl}
              {path}
            </code>
            <br />
            <span class="muted">{what}</span>
          </li>
        ))}
      </ul>
      <p>
        <a href="/settings/api">API reference</a> · <a href="/api/v1/openapi.json">openapi.json</a>
      </p>
      {p.https ? (
        <>
          <h3>HTTPS certificate</h3>
          <p class="muted">
            {p.https.selfSigned
              ? 'The box made this certificate itself. Compare the fingerprint with what the browser or HQ shows, then trust or pin it there.'
              : 'The certificate configured by the admin (tls.certFile).'}
          </p>
          <dl class="facts">
            <dt>SHA-256 fingerprint</dt>
            <dd>
              <code id="tls-fingerprint">{p.https.fingerprint256}</code>
            </dd>
            <dt>Subject</dt>
            <dd>{p.https.subject}</dd>
            <dt>Valid until</dt>
            <dd>
              <Time iso={p.https.validTo} timezone={p.timezone} />
            </dd>
          </dl>
        </>
      ) : (
        <p class="muted">
          HTTPS is off on this box (<code>tls.enabled</code> in the configuration). Turn it on
          before HQ polls it over a network you do not fully trust.
        </p>
      )}
    </section>
  );
}
