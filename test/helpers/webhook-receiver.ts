import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * A real HTTP server receiving webhooks: it answers each delivery with what `answer` says (a status, or a promise
 * of one to hold the request open) and keeps every request it got.
 */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Deliveries that arrived and are not answered yet. */
  inFlight: number;
  /** Decides the status of each delivery; the number is how many times this id was received before. */
  answer: (id: string, seenBefore: number) => number | Promise<number>;
  /** Payloads of the deliveries answered 2xx, verified with the reference implementation (throws if one fails). */
  verifiedEvents(secret: string): { id: string; type: string; timestamp: string; data: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    inFlight: 0,
    answer: () => 200,
    verifiedEvents(secret) {
      const webhook = new Webhook(secret);
      return receiver.received
        .filter((item) => item.status >= 200 && item.status < 300)
        .map((item) => {
          const payload = webhook.verify(item.body, item.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, unknown> };
          return { id: item.id, ...payload };
        });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      const seenBefore = receiver.received.filter((item) => item.id === id).length;
      receiver.inFlight++;
      void Promise.resolve(receiver.answer(id, seenBefore)).then((status) => {
        receiver.inFlight--;
        receiver.received.push({ id, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status).end();
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
