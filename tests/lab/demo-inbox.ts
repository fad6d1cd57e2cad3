/**
 * The demo's side of a branch office's notifications and hands: a webhook receiver that checks
 * the signature, an SMTP server that keeps the mails, and one page on the management link that
 * shows what arrived and lets a person unplug and plug back lab devices (to see an incident open,
 * be suppressed, notify and resolve). Demo only: it listens on the lab's management address,
 * which only this machine reaches.
 */
import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { verifySignature } from '../../src/incidents/channels/webhook.js';

export interface InboxMessage {
  at: string;
  via: 'webhook' | 'mail';
  summary: string;
  body: string;
  signatureValid?: boolean;
}

export interface DemoInbox {
  url: string;
  webhookUrl: string;
  smtp: { host: string; port: number };
  messages: InboxMessage[];
  stop(): Promise<void>;
}

/** A mail header as people read it: unfolded, RFC 2047 encoded words decoded. */
function decodeHeader(raw: string): string {
  return raw
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g,
      (_m, _charset: string, enc: string, text: string) => {
        if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
        const bytes = text
          .replace(/_/g, ' ')
          .replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
        return Buffer.from(bytes, 'latin1').toString('utf8');
      },
    );
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startDemoInbox(opts: {
  host: string;
  httpPort: number;
  smtpPort: number;
  webhookSecret: string;
  devices: () => Array<{ name: string; ip: string; up: boolean }>;
  setLink: (name: string, up: boolean) => Promise<void>;
}): Promise<DemoInbox> {
  const messages: InboxMessage[] = [];
  const keep = (m: InboxMessage) => {
    messages.unshift(m);
    messages.length = Math.min(messages.length, 200);
  };

  const page = () => `<!doctype html><html><head><meta charset="utf-8">
<title>Demo inbox and lab</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;margin:0;max-height:12rem;overflow:auto;font-size:12px}.bad{color:#b00}.ok{color:#070}
form{display:inline}button{cursor:pointer}</style></head><body>
<h1>Demo inbox and lab controls</h1>
<p>What the appliance sent to its notification channels (a signed webhook and e-mail), and the
lab's cables. Unplug a device to see an incident open on the box; unplug <b>sw-core</b> with a
device to see root-cause suppression. This page refreshes every 5 s.</p>
<h2>Lab devices</h2><table><tr><th>device</th><th>address</th><th>cable</th><th></th></tr>
${opts
  .devices()
  .map(
    (
      d,
    ) => `<tr><td>${esc(d.name)}</td><td>${esc(d.ip)}</td><td>${d.up ? 'plugged in' : '<b class="bad">unplugged</b>'}</td>
<td><form method="post" action="/lab/${encodeURIComponent(d.name)}/${d.up ? 'unplug' : 'plug'}"><button>${d.up ? 'Unplug' : 'Plug back in'}</button></form></td></tr>`,
  )
  .join('')}</table>
<h2>Received notifications (${messages.length})</h2>
<table><tr><th>when</th><th>via</th><th>what</th><th>content</th></tr>
${messages
  .map(
    (
      m,
    ) => `<tr><td>${esc(m.at)}</td><td>${m.via}${m.via === 'webhook' ? (m.signatureValid ? ' <span class="ok">signature ok</span>' : ' <span class="bad">bad signature</span>') : ''}</td>
<td>${esc(m.summary)}</td><td><details><summary>show</summary><pre>${esc(m.body)}</pre></details></td></tr>`,
  )
  .join('')}</table>
<script>setTimeout(()=>location.reload(),5000)</script></body></html>`;

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      if (body.length < 1_000_000) body += c.toString();
    });
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://inbox');
        if (req.method === 'POST' && url.pathname === '/hook') {
          let summary = 'webhook';
          try {
            const j = JSON.parse(body) as { event?: string; incident?: { title?: string } | null };
            summary = `${j.event ?? '?'}: ${j.incident?.title ?? ''}`;
          } catch {
            summary = 'webhook (not JSON)';
          }
          keep({
            at: new Date().toISOString(),
            via: 'webhook',
            summary,
            body,
            signatureValid: verifySignature(
              opts.webhookSecret,
              String(req.headers['x-caretaker-timestamp'] ?? ''),
              body,
              String(req.headers['x-caretaker-signature'] ?? ''),
            ),
          });
          res.writeHead(204).end();
          return;
        }
        const lab = /^\/lab\/([^/]+)\/(unplug|plug)$/.exec(url.pathname);
        if (req.method === 'POST' && lab) {
          const name = decodeURIComponent(lab[1]!);
          if (opts.devices().some((d) => d.name === name))
            await opts.setLink(name, lab[2] === 'plug').catch(() => undefined);
          res.writeHead(303, { location: '/' }).end();
          return;
        }
        if (req.method === 'GET' && url.pathname === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page());
          return;
        }
        res.writeHead(404).end();
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.httpPort, opts.host, () => resolve());
  });

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: 1_000_000,
    onData(stream, _session, cb) {
      let text = '';
      stream.on('data', (c: Buffer) => {
        if (text.length < 1_000_000) text += c.toString();
      });
      stream.on('end', () => {
        const subject = decodeHeader(
          /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(text)?.[1] ?? '(no subject)',
        );
        keep({ at: new Date().toISOString(), via: 'mail', summary: subject, body: text });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(opts.smtpPort, opts.host, () => resolve());
  });

  return {
    url: `http://${opts.host}:${opts.httpPort}/`,
    webhookUrl: `http://${opts.host}:${opts.httpPort}/hook`,
    smtp: { host: opts.host, port: opts.smtpPort },
    messages,
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => smtp.close(() => r()));
    },
  };
}
