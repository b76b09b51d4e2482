import { runAuditBench } from './test/bench/audit.bench.js';
console.log(JSON.stringify(await runAuditBench(console.error), null, 1));
