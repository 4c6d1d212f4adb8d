// A reverse proxy that holds every request for a fixed time before passing it
// on: the same slow server (or slow network) in front of every peer.
// `node delay.mjs UPSTREAM_URL MS`; prints `listening on ADDR`.
import { Agent, createServer, request } from 'node:http';

const upstream = new URL(process.argv[2]);
const ms = Number(process.argv[3]);
const agent = new Agent({ keepAlive: true });

const server = createServer((req, res) => {
  const body = [];
  req.on('data', (chunk) => body.push(chunk));
  req.on('end', () =>
    setTimeout(() => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      out.on('error', () => res.writeHead(502).end());
      out.end(Buffer.concat(body));
    }, ms),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on 127.0.0.1:${port}`);
});
