// Baseline for bench/http/run.sh: the reference policy in json-rules-engine (reference.js)
// behind Node's http module, with the same request and response shape as POST /v1/evaluate.
'use strict';
const http = require('http');
const { evaluate } = require('./reference');

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', async () => {
    try {
      const out = await evaluate(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'bad_request', message: String(err.message) } }));
    }
  });
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log('listening on 127.0.0.1:' + server.address().port);
});
