// Baseline for bench/server.mjs: a bare node:http server that parses the same JSON and answers the same
// prediction, with no framework, validation or state. lsml's numbers are printed as a ratio of this.
import http from 'node:http';

const body = (n) =>
  JSON.stringify({
    results: Array.from({ length: n }, () => ({
      model_version: '0.0.1',
      score: 0.9,
      result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }],
    })),
  });

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"model_class":"Bare","status":"UP"}');
    return;
  }
  let data = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (data += c));
  req.on('end', () => {
    const parsed = JSON.parse(data);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body(parsed.tasks.length));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'lsml server listening', url: `http://127.0.0.1:${server.address().port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
